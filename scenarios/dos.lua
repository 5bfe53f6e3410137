-- dos: the responder's DoS defenses, each measured and asserted.
--
--   [a: wg0]--veth0--[b: wg0 under test]--veth1--[x: flood sources, probes]
--
-- A flood of valid-mac1 initiations (an unknown key, resent verbatim from
-- several addresses) puts b "under load". wglab's probes, configured peers
-- of b on x, then check what each kind of handshake message earns:
--   - at rest, mac2 is not needed; under load an initiation without mac2 gets
--     a cookie reply only, one with a wrong (non-zero) mac2 gets no response
--     (both real implementations treat it as missing: a cookie reply), one
--     with the right mac2 gets a response;
--   - the per-source-IP limit: `peers` configured peers sharing one source
--     address, each holding its cookie: the burst answered at once and the
--     sustained rate, against the protocol's 5 and 20/s;
--   - another source address (another /64 for IPv6: the kernel keys IPv6 by
--     /64) is answered while the first one is limited;
--   - the switch: the smallest back-to-back burst that turns it on (reported:
--     128 queued of 1024 in wireguard-go, 512 of 4096 in the kernel) and how
--     long it stays on once the flood has drained (1 s in both: asserted).
-- Negative control: at rest the same rate and mac2 checks must trip, since
-- nothing is limited and mac2 is ignored there.

scenario {
  name = "dos",
  description = "mac2 under load, per-source-IP handshake limit, the under-load switch",
  topology = "single",
  families = { "ipv4", "ipv6" },
  params = { peers = 30, others = 3, sources = 8, flood = 2000, settle = 0.05, attempts = 5,
             sustain = 3, interval = 0.01, reload = 0.4 },
  timeout = 180,
}

-- The protocol's figures (whitepaper 5.3; ratelimiter.go, ratelimiter.c) and
-- the tolerance the checks allow: tokens refill while the responder computes
-- the answers it lets through, and the rate is counted over a few seconds.
local BURST, BURST_TOL = { 5, 3, 8 }, "5, tolerance 3..8"
local RATE, RATE_TOL = { 20, 15, 25 }, "20/s, tolerance 15..25"
local HOLD, HOLD_TOL = { 1, 0.5, 2 }, "1 s, tolerance 0.5..2"
local TRIGGER_STEPS = { 16, 32, 64, 96, 128, 160, 192, 256, 384, 512, 640, 768, 1024, 1536,
                        2048, 4096 }

-- b's second link and x's addresses. The IPv6 /56 is on-link on both ends,
-- so the shared and the other source sit in different /64s without routes.
local PLAN = {
  ipv4 = { b = "198.18.1.1", plen = 24, shared = "198.18.1.100", other = "198.18.1.101",
           flood = function(i) return "198.18.1." .. (9 + i) end },
  ipv6 = { b = "2001:2:0:100::1", plen = 56, shared = "2001:2:0:101::100",
           other = "2001:2:0:102::100",
           flood = function(i) return "2001:2:0:110::" .. (9 + i) end },
}

local function endpoint(plan)
  return (plan.b:find(":") and ("[" .. plan.b .. "]") or plan.b) .. ":51820"
end

-- The flood: an unknown key's initiation, resent from `sources` addresses.
local function make_flood(net, x, plan, n)
  local socks = {}
  for i = 1, n do
    x:addr("veth0", plan.flood(i) .. "/" .. plan.plen)
    socks[i] = x:udp { bind = plan.flood(i) }
  end
  local p = wglab.probe { socket = socks[1], peer_public_key = net.public_key[2],
                          peer_endpoint = endpoint(plan) }
  p:send_initiation {}
  return { p = p, socks = socks }
end

local function flood(fl, n)
  for i = 1, n do fl.p:resend_last { socket = fl.socks[(i % #fl.socks) + 1] } end
end

-- Floods, then lets b's queue drain (a full queue drops what comes next)
-- while the under-load state, which outlives the queue by 1 s, stays on.
local function load(case, fl)
  flood(fl, case.flood)
  wglab.sleep(case.settle)
end

-- n probes, each a peer configured on b with its own socket on address `bind`.
local function configured(net, x, plan, bind, n, first)
  local peers, probes = {}, {}
  for i = 1, n do
    local priv, pub = wglab.genkey()
    peers[i] = { public_key = pub, allowed_ips = { "198.19.1." .. (first + i - 1) .. "/32" } }
    probes[i] = wglab.probe { socket = x:udp { bind = bind }, private_key = priv,
                              peer_public_key = net.public_key[2], peer_endpoint = endpoint(plan) }
  end
  net.wg[2]:set { peers = peers }
  return probes
end

-- Counts by kind of what p receives until `wait` s pass (or, with `first`,
-- until the first message).
local function replies(p, wait, first)
  local n, deadline = { response = 0, cookie = 0 }, wglab.now() + wait
  while true do
    local left = deadline - wglab.now()
    if left <= 0 then break end
    local kind = p:recv { timeout = left }
    if kind == "none" then break end
    n[kind] = (n[kind] or 0) + 1
    if first then n.first = kind; break end
  end
  return n
end

-- Drains every probe's socket now; adds responses to out[group] and, when
-- `cookies` is given, marks which probes got a cookie reply.
local function drain(groups, out, cookies)
  for g, probes in pairs(groups) do
    for _, p in ipairs(probes) do
      while true do
        local kind, info = p:recv { timeout = 0 }
        if kind == "none" then break end
        if kind == "response" then out[g] = out[g] + 1 end
        if kind == "cookie" and info.accepted and cookies then cookies[p] = true end
      end
    end
  end
end

local function fmt(n) return string.format("%d cookie reply(s), %d response(s)", n.cookie, n.response) end

local function check_no_mac2(tag, n)
  check("under load, no mac2: cookie reply only" .. tag, n.cookie > 0 and n.response == 0, fmt(n))
end

local function check_bad_mac2(tag, n)
  check("under load, wrong mac2: no handshake response" .. tag, n.response == 0, fmt(n))
end

local function check_burst(tag, got, sent)
  check("per-source-IP burst is about " .. BURST[1] .. tag, got >= BURST[2] and got <= BURST[3],
        string.format("%d of %d answered at once (want %s)", got, sent, BURST_TOL))
end

local function check_rate(tag, rate)
  check("per-source-IP sustained rate is about " .. RATE[1] .. "/s" .. tag,
        rate >= RATE[2] and rate <= RATE[3], string.format("%.1f/s (want %s)", rate, RATE_TOL))
end

-- 1. Under load, the three kinds of mac2 from one configured peer. A round
-- counts when it shows b was under load and reachable on both sides of the
-- wrong-mac2 message; a response to a wrong mac2 in any round is a failure.
local function mac2_under_load(case, fl, p)
  local none, bad, right = { response = 0, cookie = 0 }, { response = 0, cookie = 0 }, nil
  for _ = 1, case.attempts do
    load(case, fl); p:send_initiation { mac2 = false }
    local n0 = replies(p, 0.15)
    load(case, fl); p:send_initiation { mac2 = "bad" }
    local n1 = replies(p, 0.15)
    bad.response, bad.cookie = bad.response + n1.response, bad.cookie + n1.cookie
    load(case, fl); p:send_initiation {}
    local n2 = replies(p, 0.3)
    none, right = n0, n2
    if n0.cookie > 0 and n2.response > 0 then break end
  end
  check_no_mac2("", none)
  check_bad_mac2("", bad)
  check("under load, right mac2: handshake response", right.response > 0, fmt(right))
end

-- 2. The smallest back-to-back burst after which a no-mac2 initiation from a
-- configured peer earns a cookie reply instead of a response.
local function trigger(fl, w)
  local below
  for _, k in ipairs(TRIGGER_STEPS) do
    flood(fl, k)
    w:send_initiation { mac2 = false }
    local n = replies(w, 3, true)
    if n.first == "cookie" then
      metric("under_load_trigger", "initiations", k)
      log(string.format("under load after a burst of %d (not after %s)", k, tostring(below)))
      return k
    end
    if n.first == "response" then below = k end
    wglab.sleep(0.05)
  end
  log("no burst of up to " .. TRIGGER_STEPS[#TRIGGER_STEPS] .. " turned the under-load state on")
  return nil
end

-- 3. How long the state stays on once the flood has drained: the witness's
-- first cookie reply marks the drained queue, its first response the end.
local function hold(case, fl, w)
  flood(fl, case.flood)
  local t_flood, t_drained, t_off = wglab.now(), nil, nil
  while wglab.now() - t_flood < 6 do
    local sent = wglab.now()
    w:send_initiation { mac2 = false }
    local n = replies(w, 0.05, true)
    if n.first == "cookie" and not t_drained then t_drained = wglab.now() end
    if n.first == "response" then t_off = wglab.now(); break end
    local left = sent + 0.05 - wglab.now() -- one every 50 ms: the resolution
    if left > 0 then wglab.sleep(left) end
  end
  local ok = t_drained and t_off
  if ok then
    metric("under_load_drain", "s", t_drained - t_flood)
    metric("under_load_hold", "s", t_off - t_drained)
  end
  check("under-load state holds about " .. HOLD[1] .. " s after the flood drains",
        ok and t_off - t_drained >= HOLD[2] and t_off - t_drained <= HOLD[3],
        ok and string.format("%.2f s (want %s; drained %.2f s after the flood)",
                             t_off - t_drained, HOLD_TOL, t_drained - t_flood)
           or ("drained: " .. tostring(t_drained ~= nil) .. ", ended: " .. tostring(t_off ~= nil)))
end

-- Under load, every probe asks once without mac2 and keeps its cookie.
local function get_cookies(case, fl, probes, tag)
  local have = {}
  for _ = 1, case.attempts do
    load(case, fl)
    for _, p in ipairs(probes) do
      if not have[p] then p:send_initiation { mac2 = false } end
    end
    wglab.sleep(0.1)
    drain({ all = probes }, { all = 0 }, have)
    local n = 0
    for _, p in ipairs(probes) do if have[p] then n = n + 1 end end
    if n == #probes then break end
  end
  local n = 0
  for _, p in ipairs(probes) do if have[p] then n = n + 1 end end
  check_eq("every probe on the " .. tag .. " address holds a cookie", n, #probes)
end

-- 4. The burst: every probe on the shared address, then every probe on the
-- other one, each once with its cookie's mac2, back to back.
local function burst(shared, other, wait)
  for _, p in ipairs(shared) do p:send_initiation {} end
  for _, p in ipairs(other) do p:send_initiation {} end
  local got = { shared = 0, other = 0 }
  local t0 = wglab.now()
  while wglab.now() - t0 < wait do
    drain({ shared = shared, other = other }, got)
    wglab.sleep(0.01)
  end
  return got
end

-- 5. The sustained rate: the shared probes in turn every `interval` s for
-- `sustain` s, the flood renewed every `reload` s. Responses in the first
-- 0.5 s spend the burst and are not counted.
local function sustained(case, fl, shared)
  local t0, tick, i, cycle = wglab.now(), wglab.now(), 0, -1
  local got, counted = { shared = 0 }, 0
  while wglab.now() - t0 < case.sustain do
    local c = math.floor((wglab.now() - t0) / case.reload)
    if c ~= cycle then cycle = c; load(case, fl) end
    i = i % #shared + 1
    shared[i]:send_initiation {}
    local before = got.shared
    drain({ shared = shared }, got)
    if wglab.now() - t0 >= 0.5 then counted = counted + got.shared - before end
    tick = tick + case.interval
    local left = tick - wglab.now()
    if left > 0 then wglab.sleep(left) end
  end
  local rate = counted / (wglab.now() - t0 - 0.5)
  metric("ratelimit_rate", "per_s", rate)
  log(string.format("%d responses in %.2f s to %d initiations/s from one address",
                    got.shared, wglab.now() - t0, math.floor(1 / case.interval)))
  return rate
end

function run(case)
  local plan = PLAN[case.family]
  local net = wglab.pair { backends = { case.backend, case.backend }, outer = case.family,
                           inner = case.family }
  local x = wglab.node("attacker")
  net.b:veth("veth1", x, "veth0")
  net.b:addr("veth1", plan.b .. "/" .. plan.plen); net.b:up("veth1"); x:up("veth0")
  x:addr("veth0", plan.shared .. "/" .. plan.plen)
  x:addr("veth0", plan.other .. "/" .. plan.plen)
  local fl = make_flood(net, x, plan, case.sources)
  local w = configured(net, x, plan, plan.other, 1, 1)[1]
  local shared = configured(net, x, plan, plan.shared, case.peers, 10)
  local other = configured(net, x, plan, plan.other, case.others, 10 + case.peers)

  -- At rest an initiation needs no mac2 (the protocol ignores it there).
  w:send_initiation { mac2 = false }
  local rest = replies(w, 1, true)
  check("at rest, no mac2: handshake response", rest.first == "response", tostring(rest.first))
  wglab.sleep(0.05)

  trigger(fl, w)
  wglab.sleep(1.5)
  hold(case, fl, w)
  mac2_under_load(case, fl, w)

  get_cookies(case, fl, shared, "shared")
  get_cookies(case, fl, other, "other")
  wglab.sleep(1.5) -- the limiter forgets an address after 1 s idle
  load(case, fl)
  local b = burst(shared, other, 0.5)
  metric("ratelimit_burst", "responses", b.shared)
  check_burst("", b.shared, #shared)
  check("another source address is not limited by the first", b.other == #other,
        string.format("%d of %d answered from %s while %d of %d from %s were",
                      b.other, #other, plan.other, b.shared, #shared, plan.shared))
  check_rate("", sustained(case, fl, shared))

  -- Negative control: at rest nothing is limited and mac2 is ignored, so
  -- the same checks must trip.
  expect_fail("rate and mac2 checks see a responder that is not under load", function()
    wglab.sleep(1.5)
    local c = burst(shared, {}, 0.5)
    check_burst(" (control)", c.shared, #shared)
    wglab.sleep(0.05)
    w:send_initiation { mac2 = "bad" }
    check_bad_mac2(" (control)", replies(w, 0.3))
  end)
end
