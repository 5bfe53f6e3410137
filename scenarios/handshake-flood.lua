-- handshake-flood: DoS protection of the responder under test.
--
--   [a: legit client wg0]--veth0--[b: wg0 under test]--veth1--[x: attacker, 198.18.1.10..]
--                           capture b/veth0          capture b/veth1
--
-- Invalid mac1 must get no reply of any kind. A flood of valid-mac1
-- initiations must put the responder under load, so that it answers with
-- cookie replies instead of doing Diffie-Hellman; wglab's probe must be able
-- to consume a cookie and get its mac2 retry processed; a real client must
-- still connect; the per-source rate is measured; so is the responder's CPU.

scenario {
  name = "handshake-flood",
  description = "cookie replies under load, invalid mac1 ignored, legit client connects",
  topology = "single",
  families = { "ipv4" },
  params = {
    sources = { default = 8, min = 1, max = 64 },       -- attacker source addresses
    invalid = { default = 300, min = 1, max = 100000 }, -- initiations with a bad mac1
    burst = { default = 4000, min = 4, max = 1000000 }, -- initiations per flood
    connect_timeout = { default = 30, min = 1, max = 600, type = "number" }, -- s
    attempts = { default = 20, min = 1, max = 1000 },   -- floods until a cookie reply
  },
}

local B_ATTACK = "198.18.1.1"
local PROBE_ADDR = "198.18.1.200" -- wglab's configured probe, not part of the flood

local function attacker_sources(x, n)
  local socks = {}
  for i = 1, n do
    local addr = "198.18.1." .. (9 + i)
    x:addr("veth0", addr .. "/24")
    socks[i] = x:udp { bind = addr }
  end
  return socks
end

-- Messages b sent to the flood's sources, by type, from a capture of b/veth1.
local function replies_to_attacker(path)
  local n = { [1] = 0, [2] = 0, [3] = 0, [4] = 0 }
  for _, m in ipairs(wglab.wg_messages(path)) do
    if m.src == B_ATTACK and m.dst ~= PROBE_ADDR then n[m.type] = n[m.type] + 1 end
  end
  return n
end

-- Resends the probe's last initiation from every source, `burst` times in all,
-- in batches (p:flood, sendmmsg); what was sent and how long it took add up
-- into the flood rate the scenario reports.
local flood_sent, flood_seconds = 0, 0
local function flood(p, socks, burst)
  local r = p:flood { count = burst, sockets = socks, kind = "copy" }
  flood_sent, flood_seconds = flood_sent + r.sent, flood_seconds + r.seconds
end

local function check_silence(tag, n)
  check_eq("no reply of any kind to invalid mac1" .. tag, n[1] + n[2] + n[3] + n[4], 0)
end

local function check_cookies(tag, n)
  check("responder under load answers with cookie replies" .. tag, n[3] > 0, n[3] .. " cookie replies")
  check_eq("no response to the flood's initiations" .. tag, n[2], 0)
end

function run(case)
  local net = wglab.pair { backends = { case.backend, case.backend } }
  local x = wglab.node("attacker")
  net.b:veth("veth1", x, "veth0")
  net.b:addr("veth1", B_ATTACK .. "/24"); net.b:up("veth1"); x:up("veth0")
  local socks = attacker_sources(x, case.sources)
  local b_ep = B_ATTACK .. ":51820"

  -- 1. Invalid mac1 from many sources: silence. The sender is a configured
  -- peer and each initiation is fresh and valid but for mac1, so a responder
  -- that skipped the mac1 check would answer it.
  local cap1 = wglab.capture(net.b, "veth1", { file = "b-veth1-invalid-mac1.pcap" })
  local kpriv, kpub = wglab.genkey()
  net.wg[2]:set { peers = { { public_key = kpub, allowed_ips = { "198.19.0.4/32" } } } }
  local known = wglab.probe { socket = socks[1], private_key = kpriv,
                              peer_public_key = net.public_key[2], peer_endpoint = b_ep }
  for i = 1, case.invalid do
    known:send_initiation { mac1 = "invalid", socket = socks[(i % #socks) + 1] }
  end
  local stranger = wglab.probe { socket = socks[1], peer_public_key = net.public_key[2], peer_endpoint = b_ep }
  wglab.sleep(1)
  local w1 = cap1:stop()
  local inv = replies_to_attacker(w1.path)
  check_silence("", inv)

  -- 2. Valid mac1 flood (an unknown peer's initiation, resent verbatim).
  local cap2 = wglab.capture(net.b, "veth1", { file = "b-veth1-flood.pcap" })
  local legit_cap = wglab.capture(net.b, "veth0", { file = "b-veth0-legit.pcap" })
  local cpu0, t0 = wglab.cpu.seconds(net.wg[2]), wglab.now()
  stranger:send_initiation {}
  flood(stranger, socks, case.burst)

  -- 3. wglab's probe, a configured peer, consumes a cookie under load.
  local ppriv, ppub = wglab.genkey()
  net.wg[2]:set { peers = { { public_key = ppub, allowed_ips = { "198.19.0.3/32" } } } }
  x:addr("veth0", PROBE_ADDR .. "/24")
  local psock = x:udp { bind = PROBE_ADDR }
  local p = wglab.probe { socket = psock, private_key = ppriv, peer_public_key = net.public_key[2],
                          peer_endpoint = b_ep, inner_src = "198.19.0.3", inner_dst = "198.19.0.2" }
  -- Each attempt floods first, so the probe's initiation lands while the
  -- responder is under load; a responder that never gets there (or never
  -- sends cookies) leaves the probe without one after every attempt.
  local cookie_after
  for attempt = 1, case.attempts do
    flood(stranger, socks, case.burst)
    p:send_initiation {}
    local kind = p:recv { timeout = 0.3 }
    while kind ~= "none" and kind ~= "cookie" do kind = p:recv { timeout = 0.3 } end
    if kind == "cookie" then cookie_after = attempt; break end
    wglab.sleep(0.05) -- past the 20 ms per-peer initiation limit
  end
  check("responder under load answers the probe with a cookie reply", cookie_after ~= nil,
        cookie_after and ("after " .. cookie_after .. " attempt(s)") or (case.attempts .. " attempts"))
  -- The retry carries mac2 from that cookie and must be processed (flood on).
  wglab.sleep(0.05)
  flood(stranger, socks, case.burst // 4)
  local ok, rtt = p:handshake { timeout = 10 }
  check("probe's mac2 retry completes a handshake under load", ok, tostring(rtt))

  -- 4. Rate per source under load: a burst of fresh initiations with mac2.
  flood(stranger, socks, case.burst)
  local sent, answered = 40, 0
  local t_rl = wglab.now()
  for _ = 1, sent do p:send_initiation {} end
  while true do
    local kind = p:recv { timeout = 0.3 }
    if kind == "none" then break end
    if kind == "response" then answered = answered + 1 end
  end
  metric("responses_to_one_source_under_load", "count", answered)
  log(string.format("%d of %d initiations from one source answered under load in %.2f s",
                    answered, sent, wglab.now() - t_rl))

  -- 5. A real client connects during the flood.
  local start, connected = wglab.now(), false
  while wglab.now() - start < case.connect_timeout do
    flood(stranger, socks, case.burst // 4)
    if net.a:ping(net.tunnel[2], { timeout = 0.3, interval = 0.1 }) then connected = true; break end
  end
  check("legit client connects during the flood", connected)
  if connected then metric("legit_connect_under_flood", "ms", (wglab.now() - start) * 1000, "lower") end
  local cpu1, t1 = wglab.cpu.seconds(net.wg[2]), wglab.now()
  if cpu0 and cpu1 then
    metric("responder_cpu_during_flood", "%", 100 * (cpu1 - cpu0) / (t1 - t0))
  end
  legit_cap:stop()
  local w2 = cap2:stop()
  local fl = replies_to_attacker(w2.path)
  check_cookies("", fl)
  metric("cookie_replies", "count", fl[3])
  if flood_seconds > 0 then
    metric("flood_rate", "datagrams/s", flood_sent / flood_seconds, "higher")
  end

  -- Negative controls: the same checks over traffic that must trip them.
  expect_fail("silence check sees replies to valid initiations", function()
    check_silence(" (control)", fl)
  end)
  expect_fail("cookie check sees a responder that is not under load", function()
    local net2 = wglab.pair { backends = { case.backend, case.backend } }
    local y = wglab.node("quiet")
    net2.b:veth("veth1", y, "veth0")
    net2.b:addr("veth1", B_ATTACK .. "/24"); net2.b:up("veth1"); y:up("veth0")
    y:addr("veth0", "198.18.1.10/24")
    local s = y:udp { bind = "198.18.1.10" }
    local c = wglab.capture(net2.b, "veth1", { file = "control-quiet.pcap" })
    local q = wglab.probe { socket = s, peer_public_key = net2.public_key[2], peer_endpoint = b_ep }
    for _ = 1, 5 do q:send_initiation {}; wglab.sleep(0.05) end
    wglab.sleep(0.5)
    check_cookies(" (control)", replies_to_attacker(c:stop().path))
  end)
end
