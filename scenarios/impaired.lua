-- impaired: the tunnel over a bad underlay (delay, jitter, loss).
--
--   [a: veth0 impaired]----veth----[b: veth0 impaired]
--
-- node:impair uses netem where the kernel has it, else the NFQUEUE
-- middlebox; the case records which one ran.

scenario {
  name = "impaired",
  description = "connect, latency and throughput over underlay delay/jitter/loss",
  topology = "pair",
  families = { "ipv4" },
  params = {
    delay = { default = 0.02, min = 0, max = 10 },      -- s
    jitter = { default = 0.002, min = 0, max = 10 },    -- s
    loss = { default = 2, min = 0, max = 49, type = "number" }, -- %
    pings = { default = 20, min = 1, max = 100000 },
    duration = { default = 3, min = 1, max = 3600 },    -- s of iperf
  },
}

local function impair(net, case)
  local imps = {}
  for _, n in ipairs({ net.a, net.b }) do
    imps[#imps + 1] = n:impair("veth0", { delay = case.delay, jitter = case.jitter, loss = case.loss })
  end
  return imps
end

-- RTT through the tunnel must show the configured one-way delay twice.
local function check_delay_visible(tag, net, case)
  local rtts = {}
  for _ = 1, case.pings do
    local ok, _, rtt = net.a:ping(net.tunnel[2], { timeout = 2, interval = 0.05 })
    if ok then rtts[#rtts + 1] = rtt end
  end
  local med = wglab.stats.median(rtts)
  check("tunnel RTT shows the underlay delay" .. tag, med ~= nil and med >= 2 * case.delay * 1000 * 0.9,
        string.format("median %s ms for %d ms each way", tostring(med), case.delay * 1000))
  return rtts
end

function run(case)
  local net = wglab.pair { backends = { case.backend_a, case.backend_b } }
  local imps = impair(net, case)
  local cap = wglab.capture(net.b, "veth0", { file = "b-veth0.pcap", snaplen = 128 })
  local up, elapsed = net.a:ping(net.tunnel[2], { timeout = 20, interval = 0.2 })
  check("tunnel comes up despite loss", up, tostring(elapsed))
  if up then metric("connect_latency_impaired", "ms", elapsed, "lower") end
  local rtts = check_delay_visible("", net, case)
  metric("rtt_impaired", "ms", rtts, "lower")
  local r = wglab.iperf { client = net.a, server = net.b, dst = net.tunnel[2], duration = case.duration }
  check("tcp over the impaired tunnel completes", r.ok, r.error or "")
  if r.ok then metric("tcp_throughput_impaired", "bit/s", r.received_bps, "higher") end
  local w = cap:stop()
  check_eq("only encrypted WireGuard on the underlay", w.leaks, 0)
  check("at least one answered handshake on the wire", #w.handshake_rtt_ms >= 1)
  for _, imp in ipairs(imps) do imp:stop() end

  expect_fail("an unimpaired underlay does not pass for a delayed one", function()
    local clean = wglab.pair { backends = { case.backend_a, case.backend_b } }
    clean.a:ping(clean.tunnel[2], { timeout = 5 })
    check_delay_visible(" (control)", clean, case)
  end)
end
