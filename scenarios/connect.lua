-- connect: how long from "config applied" to the first packet through the
-- tunnel, and is the handshake on the wire what it should be.
--
--   [a: veth0, wg0]----veth----[b: veth0, wg0]
--
-- Each repetition builds a fresh pair (so every repetition pays a real
-- handshake), pings b's tunnel address from a, and checks the peers' state
-- and the capture of the underlay.

scenario {
  name = "connect",
  description = "handshake latency and first-packet time",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    reps = { default = 3, min = 1, max = 1000 },        -- connects measured
    timeout = { default = 10, min = 1, max = 300 },     -- s, per connect
  },
  benchmark = true,  -- measures performance: runs alone under --jobs
}

-- The checks of a connected pair; run against a healthy pair and against a
-- deliberately broken one (negative control).
local function verify(net, case, tag)
  local ok, elapsed = net.a:ping(net.tunnel[2], { timeout = case.timeout })
  check("first packet through the tunnel" .. tag, ok, ok and string.format("%.1f ms", elapsed) or elapsed)
  local sa, sb = net.wg[1]:get(), net.wg[2]:get()
  local pa, pb = sa.peers[1], sb.peers[1]
  check("a reports a handshake" .. tag, pa ~= nil and pa.last_handshake > 0)
  check("b reports a handshake" .. tag, pb ~= nil and pb.last_handshake > 0)
  check("b counted bytes from a" .. tag, pb ~= nil and pb.rx_bytes > 0,
        pb and ("rx_bytes=" .. pb.rx_bytes) or "no peer")
  return ok, elapsed
end

function run(case)
  local fam = case.family
  local latencies, rtts = {}, {}
  local net
  for rep = 1, case.reps do
    -- b's underlay is captured from before the first packet; the capture
    -- opens while the daemons start.
    net = wglab.pair { backends = { case.backend_a, case.backend_b }, outer = fam, inner = fam,
                       capture = { b = "connect-" .. rep .. ".pcap" } }
    -- a's static key lets Wireshark open the capture's handshake (wg.keylog_file)
    wglab.keylog(wglab.artifact("connect-" .. rep .. ".keylog", "keylog"),
                 { local_private = net.private_key[1], remote_public = net.public_key[2] })
    local ok, elapsed = verify(net, case, "")
    if ok then latencies[#latencies + 1] = elapsed end
    local w = net.capture.b:stop()
    check_eq("one initiation on the wire (rep " .. rep .. ")", w.initiations, 1)
    check_eq("one response on the wire (rep " .. rep .. ")", w.responses, 1)
    check("no plaintext on the underlay (rep " .. rep .. ")", w.leaks == 0, w.leak_example or "")
    for _, r in ipairs(w.handshake_rtt_ms or {}) do rtts[#rtts + 1] = r end
    local b = net.wg[2]:get().peers[1]
    check_eq("b learned a's endpoint (rep " .. rep .. ")",
             b and b.endpoint and b.endpoint:match("^%[?([^%]]+)%]?:%d+$"), net.underlay[1])
  end
  metric("connect_latency", "ms", latencies, "lower")
  if #rtts > 0 then metric("handshake_rtt", "ms", rtts, "lower") end

  -- Negative control: b does not know a's key, so nothing may pass. It runs
  -- on the last repetition's pair with fresh peers on both sides (a gets b
  -- again as a new peer: no session, no handshake, zero counters), so no
  -- second pair pays two more daemon starts and device removals.
  -- Its wait comes from its twin, measured just before on the same pair: the
  -- same fresh peers with the right keys, which must connect (so fresh peers
  -- on a warm pair do connect, or the control would prove nothing). A peer
  -- that wrongly accepted a stranger's initiation would connect like the
  -- twin did, so the control waits 10x the twin's connect (a warm connect:
  -- about 1.5-2 ms here against 3-4 ms for a first one; between repetitions
  -- connects varied up to 4x on a loaded 2-core host), at least 20 ms (about
  -- 20 handshake RTTs), at most case.timeout: the wrong key, not a short
  -- clock, is what fails the checks. Without a twin connect (it failed, and
  -- so did the case) the slowest first connect stands in.
  local host = fam == "ipv6" and "/128" or "/32"
  local ep = endpoint_of(fam, net.underlay[2], net.port)
  local function fresh_peers(key_b_knows)
    net.wg[2]:set { replace_peers = true,
                    peers = { peer_of(key_b_knows, nil, { net.tunnel[1] .. host }) } }
    net.wg[1]:set { replace_peers = true,
                    peers = { peer_of(net.public_key[2], ep, { net.tunnel[2] .. host }) } }
  end
  fresh_peers(net.public_key[1])
  local twin_ok, twin = verify(net, case, " (fresh peers)")
  local base = twin_ok and twin or wglab.stats.summary(latencies).max
  local control_timeout = base and math.min(case.timeout, math.max(0.02, 10 * base / 1000))
                          or math.min(case.timeout, 2)
  log(string.format("negative control waits %.3f s", control_timeout))
  expect_fail("peer with the wrong public key", function()
    local _, stranger = wglab.genkey()
    fresh_peers(stranger)
    verify(net, { timeout = control_timeout }, " (wrong key)")
  end)
end
