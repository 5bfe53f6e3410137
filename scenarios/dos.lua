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
--     address, each holding its cookie: the burst answered at once (the least
--     of `burst_reps`) and the sustained rate, against the protocol's 5 and 20/s;
--   - another source address (another /64 for IPv6: the kernel keys IPv6 by
--     /64) is answered while the first one is limited;
--   - the switch: the smallest back-to-back burst that turns it on (reported:
--     128 queued of 1024 in wireguard-go, 512 of 4096 in the kernel) and how
--     long it stays on after the flood (1 s in both: asserted).
-- "Under load" is never assumed: a witness (a configured peer sending without
-- mac2) must get a cookie reply just before and just after what is measured,
-- so a slow host (the kernel lab runs under emulation) is measured only inside
-- windows that were under load, and the flood is sized from the measured
-- trigger so that the queue drains in time.
-- Negative control: at rest the same rate and mac2 checks must trip, since
-- nothing is limited and mac2 is ignored there.

scenario {
  name = "dos",
  description = "mac2 under load, per-source-IP handshake limit, the under-load switch",
  topology = "single",
  families = { "ipv4", "ipv6" },
  params = {
    peers = { default = 30, min = 12, max = 200,
              description = "configured peers behind the shared source (burst test)" },
    others = { default = 3, min = 1, max = 40, description = "configured peers behind another source" },
    sources = { default = 8, min = 1, max = 90, description = "flood source addresses" },
    flood = { default = 2048, min = 16, max = 1000000, description = "initiations per flood" },
    attempts = { default = 5, min = 1, max = 100, description = "tries per check" },
    wait = { default = 3, min = 0.5, max = 60, type = "number",
             description = "s to wait for answers" },
    windows = { default = 6, min = 1, max = 100, description = "rate windows measured under load" },
    interval = { default = 0.01, min = 0.001, max = 1, description = "s between rate probes" },
    reload = { default = 0.6, min = 0.1, max = 10, description = "s per rate window" },
    skip = { default = 0.2, min = 0, max = 10, description = "s skipped at a window's start" },
    burst_reps = { default = 3, min = 1, max = 100, description = "repetitions of the burst test" },
  },
  timeout = 180,
}

-- The protocol's figures (whitepaper 5.3; ratelimiter.go, ratelimiter.c) and
-- the tolerance the checks allow: tokens refill while the responder computes
-- the answers it lets through (the burst is corrected for that, and the least
-- of its repetitions asserted), and the rate is counted over a few seconds.
-- The burst's upper bound is 10, not 8: the kernel in the emulated lab answers
-- 8-11 at once (its coarse emulated clock refills in jumps), while a build
-- without the limiter answers 28-30 of 30, so 10 still tells them apart.
local BURST, BURST_TOL = { 5, 3, 10 }, "5, tolerance 3..10"
local RATE, RATE_TOL = { 20, 15, 25 }, "20/s, tolerance 15..25"
-- Under emulation (the kernel lab) the responder is slow and the windows are
-- timed by a coarse clock: 15.0/s was seen once there. A build without the
-- limiter answers 50-100/s, so a wider band still separates them.
if wglab.emulated() then
  RATE, RATE_TOL = { 20, 10, 30 }, "20/s, tolerance 10..30 (emulated)"
end
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

-- What each of `probes` receives (counts by kind, the first kind, whether it
-- now holds a cookie, when its first and last responses came), polling every socket until stop(got, elapsed) or
-- `wait` s. One socket per probe, so every answer is attributed exactly.
local function collect(probes, wait, stop)
  local got, t0 = {}, wglab.now()
  for _, p in ipairs(probes) do got[p] = { response = 0, cookie = 0 } end
  repeat
    local any = false
    for _, p in ipairs(probes) do
      while true do
        local kind, info = p:recv { timeout = 0 }
        if kind == "none" then break end
        local g = got[p]
        any, g[kind], g.first = true, (g[kind] or 0) + 1, g.first or kind
        if kind == "response" then
          g.t_first, g.t_last = g.t_first or wglab.now(), wglab.now()
        end
        if kind == "cookie" and info.accepted then g.has_cookie = true end
      end
    end
    if stop and stop(got, wglab.now() - t0) then break end
    if not any then wglab.sleep(0.002) end
  until wglab.now() - t0 >= wait
  return got
end

local function first_reply(p, wait)
  return collect({ p }, wait, function(g) return g[p].first end)[p].first
end

-- The witness asks without mac2 until it gets an answer (a flood can
-- overflow b's socket buffer, so one initiation may be lost): "cookie" (under
-- load), "response" (not) or nil after `wait` s.
local function ask(case, st)
  local deadline = wglab.now() + case.wait
  repeat
    st.w:send_initiation { mac2 = false }
    local first = first_reply(st.w, 0.1)
    if first then return first end
  until wglab.now() > deadline
end

-- Floods until the witness is answered with a cookie reply: b is under load
-- and has worked through the flood. Returns the flood's start and the
-- answer's time, or nil after `attempts` floods.
local function load(case, st)
  for _ = 1, case.attempts do
    local t0 = wglab.now()
    flood(st.fl, st.size)
    if ask(case, st) == "cookie" then return t0, wglab.now() end
    wglab.sleep(0.05)
  end
  return nil
end

-- Runs sends() in a confirmed under-load window, then the witness asks
-- again; the window counts only if that is answered with a cookie too.
-- Collects until twice the witness's answer time (handshake workers run in
-- parallel). Returns what `probes` received, when the window's flood started
-- and how long after sends() the witness was answered (b had then decided on
-- everything sent before it), or nil if no window held.
local function under_load(case, st, sends, probes, pause)
  local all = { st.w }
  for _, p in ipairs(probes) do all[#all + 1] = p end
  for _ = 1, case.attempts do
    if pause then wglab.sleep(pause) end
    local t0 = load(case, st)
    if t0 then
      sends()
      st.w:send_initiation { mac2 = false }
      local tw
      local got = collect(all, case.wait, function(g, el)
        tw = tw or (g[st.w].first and el)
        return tw and el >= 2 * tw + 0.1
      end)
      if got[st.w].first == "cookie" and got[st.w].response == 0 then return got, t0, tw end
      log("window not under load to its end; again")
    end
  end
  return nil
end

local function fmt(n)
  return n and string.format("%d cookie reply(s), %d response(s)", n.cookie, n.response)
           or "the responder was never confirmed under load"
end

local function check_no_mac2(tag, n)
  check("under load, no mac2: cookie reply only" .. tag,
        n ~= nil and n.cookie > 0 and n.response == 0, fmt(n))
end

local function check_bad_mac2(tag, n)
  check("under load, wrong mac2: no handshake response" .. tag, n ~= nil and n.response == 0,
        fmt(n))
end

local function check_burst(tag, got, sent, extra)
  check("per-source-IP burst is about " .. BURST[1] .. tag,
        got ~= nil and got >= BURST[2] and got <= BURST[3],
        string.format("%s of %d answered at once (want %s)%s",
                      got and string.format("%.1f", got) or "-", sent, BURST_TOL, extra or ""))
end

local function check_rate(tag, rate, detail)
  check("per-source-IP sustained rate is about " .. RATE[1] .. "/s" .. tag,
        rate ~= nil and rate >= RATE[2] and rate <= RATE[3],
        string.format("%s/s (want %s)%s", rate and string.format("%.1f", rate) or "-", RATE_TOL,
                      detail or ""))
end

-- 1. The smallest back-to-back burst after which an initiation without mac2
-- from a configured peer earns a cookie reply instead of a response.
local function trigger(case, st)
  local below
  for _, k in ipairs(TRIGGER_STEPS) do
    flood(st.fl, k)
    local first = ask(case, st)
    if first == "cookie" then
      metric("under_load_trigger", "initiations", k)
      log(string.format("under load after a burst of %d (not after %s)", k, tostring(below)))
      return k
    end
    if first == "response" then below = k end
    wglab.sleep(0.05)
  end
  log("no burst of up to " .. TRIGGER_STEPS[#TRIGGER_STEPS] .. " turned the under-load state on")
end

-- 2. How long the state stays on: the witness asks every 50 ms until it
-- gets a response. The state was last renewed between the flood's start and
-- the witness's first cookie reply, so the hold lies between the two spans.
local function hold(case, st)
  local t_flood, t_drained = load(case, st)
  local t_off
  while t_flood and wglab.now() - t_drained < 6 do
    local sent = wglab.now()
    st.w:send_initiation { mac2 = false }
    if first_reply(st.w, 0.05) == "response" then t_off = wglab.now(); break end
    local left = sent + 0.05 - wglab.now()
    if left > 0 then wglab.sleep(left) end
  end
  local lo, hi = t_off and t_off - t_drained, t_off and t_off - t_flood
  if t_off then
    metric("under_load_hold", "s", lo)
    metric("under_load_hold_max", "s", hi)
  end
  check("under-load state holds about " .. HOLD[1] .. " s", t_off ~= nil and lo <= HOLD[3] and hi >= HOLD[2],
        t_off and string.format("%.2f..%.2f s after the flood (want %s)", lo, hi, HOLD_TOL)
              or (t_flood and "still on 6 s after the flood" or "never confirmed under load"))
end

-- 3. The three kinds of mac2 in one window, from three configured peers;
-- then the right mac2 (pd fetched its cookie in the first window).
local function mac2_under_load(case, st, pb, pc, pd)
  local got = under_load(case, st, function()
    pb:send_initiation { mac2 = "bad" }
    pc:send_initiation { mac2 = false }
    pd:send_initiation { mac2 = false }
  end, { pb, pc, pd })
  check_no_mac2("", got and got[pc])
  check_bad_mac2("", got and got[pb])
  local got2 = under_load(case, st, function() pd:send_initiation {} end, { pd })
  check("under load, right mac2: handshake response", got2 ~= nil and got2[pd].response > 0,
        fmt(got2 and got2[pd]) .. ((got and got[pd].has_cookie) and "" or "; no cookie held"))
end

-- Every probe asks once without mac2 under load and keeps its cookie.
local function get_cookies(case, st, probes, tag)
  local have, n = {}, 0
  for _ = 1, case.attempts do
    local ask = {}
    for _, p in ipairs(probes) do if not have[p] then ask[#ask + 1] = p end end
    if #ask == 0 then break end
    local got = under_load(case, st, function()
      for _, p in ipairs(ask) do p:send_initiation { mac2 = false } end
    end, ask)
    for _, p in ipairs(ask) do
      if got and got[p].has_cookie then have[p] = true; n = n + 1 end
    end
  end
  check_eq("every probe on the " .. tag .. " address holds a cookie", n, #probes)
end

-- Responses to `probes` and the span from the first to the last one.
local function responses(got, probes)
  local n, t0, t1 = 0, math.huge, -math.huge
  for _, p in ipairs(probes) do
    local g = got[p]
    n = n + g.response
    if g.t_first then t0, t1 = math.min(t0, g.t_first), math.max(t1, g.t_last) end
  end
  return n, t1 >= t0 and t1 - t0 or 0
end

-- 4. The burst: every probe on the shared address, then every probe on the
-- other one, each once with its cookie's mac2, back to back. The pause lets
-- both buckets fill (5 tokens take 250 ms).
local function burst(case, st, shared, other)
  local all = {}
  for _, p in ipairs(shared) do all[#all + 1] = p end
  for _, p in ipairs(other) do all[#all + 1] = p end
  local got, _, tw = under_load(case, st, function()
    collect(all, 0) -- late answers to what came before are not this burst's
    for _, p in ipairs(all) do p:send_initiation {} end
  end, all, 0.5)
  if not got then return nil end
  local n, span = responses(got, shared)
  return n, math.max(span, tw), (responses(got, other))
end

-- Tokens keep coming while b works through a burst (slow hosts take long,
-- and an emulated kernel's coarse clock moves in jumps): what the measured
-- rate refilled while b decided on it (until the witness after it was
-- answered, or the last response) is not burst. Such errors only add, so the
-- smallest of the repetitions is the estimate; all go into the metric.
local function burst_estimate(bursts, rate)
  local est, raw, best = {}, {}, nil
  for _, b in ipairs(bursts) do
    if b.n and rate then
      est[#est + 1], raw[#raw + 1] = b.n - rate * b.span, b.n
      log(string.format("burst: %d answered, decided within %.3f s", b.n, b.span))
      best = math.min(best or math.huge, est[#est])
    end
  end
  if #est > 0 then
    metric("ratelimit_burst", "responses", est)
    metric("ratelimit_burst_raw", "responses", raw)
  end
  return best
end

-- 5. The sustained rate: `windows` windows in which the shared probes send in
-- turn every `interval` s for `reload` s, each response timestamped. The first
-- `skip` s of a window spend the bucket filled during the flood and are not
-- counted; windows not under load to their end are left out.
local function sustained(case, st, shared)
  local i, t_all, n_all, windows, left_out = 0, 0, 0, 0, 0
  local t_start = wglab.now()
  while windows - left_out < case.windows and wglab.now() - t_start < 10 * case.windows do
    local n, t_from, t_to = 0, nil, nil
    local got = under_load(case, st, function()
      collect(shared, 0)
      local t = wglab.now()
      t_from, t_to, n = t + case.skip, t + case.reload, 0
      while wglab.now() < t_to do
        i = i % #shared + 1
        shared[i]:send_initiation {}
        wglab.sleep(case.interval)
        local g = collect(shared, 0)
        for _, p in ipairs(shared) do
          local r = g[p]
          if r.response > 0 and r.t_first >= t_from and r.t_last <= t_to then n = n + r.response end
        end
      end
    end, shared)
    windows = windows + 1
    if got then
      n_all, t_all = n_all + n, t_all + (t_to - t_from)
    else
      left_out = left_out + 1
    end
  end
  local rate = t_all > 0 and n_all / t_all or nil
  if rate then metric("ratelimit_rate", "per_s", rate) end
  local detail = string.format("; %d responses in %.2f s counted of %d windows, %d left out",
                               n_all, t_all, windows, left_out)
  log("sustained" .. detail)
  return rate, detail
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
  local st = { fl = make_flood(net, x, plan, case.sources), size = case.flood }
  local one = configured(net, x, plan, plan.other, 4, 1)
  st.w = one[1]
  local shared = configured(net, x, plan, plan.shared, case.peers, 10)
  local other = configured(net, x, plan, plan.other, case.others, 10 + case.peers)

  -- At rest an initiation needs no mac2 (the protocol ignores it there).
  st.w:send_initiation { mac2 = false }
  local rest = first_reply(st.w, case.wait)
  check("at rest, no mac2: handshake response", rest == "response", tostring(rest))
  wglab.sleep(0.05)

  -- Twice the trigger keeps the queue short enough to drain at once.
  local k = trigger(case, st)
  if k then st.size = math.min(4096, 2 * k) end
  wglab.sleep(1.5)
  hold(case, st)
  mac2_under_load(case, st, one[2], one[3], one[4])

  get_cookies(case, st, shared, "shared")
  get_cookies(case, st, other, "other")
  local bursts = {}
  for r = 1, case.burst_reps do
    local bs, span, bo = burst(case, st, shared, other)
    bursts[r] = { n = bs, span = span }
    if r == 1 then
      check("another source address is not limited by the first", bo == #other,
            string.format("%s of %d answered from %s while %s of %d from %s were", tostring(bo),
                          #other, plan.other, tostring(bs), #shared, plan.shared))
    end
  end
  local rate, detail = sustained(case, st, shared)
  check_rate("", rate, detail)
  check_burst("", burst_estimate(bursts, rate), #shared)

  -- Negative control: at rest nothing is limited and mac2 is ignored, so
  -- the same checks must trip.
  expect_fail("rate and mac2 checks see a responder that is not under load", function()
    wglab.sleep(1.5)
    for _, p in ipairs(shared) do p:send_initiation {} end
    check_burst(" (control)", responses(collect(shared, 0.5), shared), #shared)
    one[2]:send_initiation { mac2 = "bad" }
    check_bad_mac2(" (control)", collect({ one[2] }, 0.3)[one[2]])
  end)
end
