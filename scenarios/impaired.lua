-- impaired: the tunnel over a bad underlay (netem delay, jitter, loss).
--
--   [a: veth0 netem]----veth----[b: veth0 netem]
--
-- Needs sch_netem: it runs in the kernel lab (stock Debian kernel); on a
-- host kernel without netem the case is skipped with the reason.

scenario {
  name = "impaired",
  description = "connect, latency and throughput over netem delay/jitter/loss",
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
  for _, n in ipairs({ net.a, net.b }) do
    local ok, why = n:netem("veth0", { delay = case.delay, jitter = case.jitter, loss = case.loss })
    if not ok then return false, why end
  end
  return true
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
  local ok, why = impair(net, case)
  if not ok then skip("no netem here (" .. why .. "); run it in the kernel lab: wglab vm -- run impaired") end
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

  expect_fail("an unimpaired underlay does not pass for a delayed one", function()
    local clean = wglab.pair { backends = { case.backend_a, case.backend_b } }
    clean.a:ping(clean.tunnel[2], { timeout = 5 })
    check_delay_visible(" (control)", clean, case)
  end)
end
