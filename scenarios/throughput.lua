-- throughput: TCP and UDP through the tunnel in both directions, the bare
-- underlay as baseline, and latency idle and under load.
--
--   [a: iperf client, echo prober]--veth0--[b: iperf server, echo server]
--        wg0 198.19.0.1  ======== tunnel ========  wg0 198.19.0.2
--
-- Every figure is measured `reps` times (median/min/max in the report).
-- iperf client and server run in forked children inside their nodes.

scenario {
  name = "throughput",
  description = "TCP/UDP both directions, underlay baseline, latency idle and under load",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    reps = { default = 3, min = 1, max = 1000 },
    duration = { default = 3, min = 1, max = 3600 },    -- s per iperf run
    streams = { default = 1, min = 1, max = 128 },
    udp_bitrate = { default = 200e6, min = 1e3, max = 100e9 }, -- bit/s
    echo_count = { default = 200, min = 1, max = 100000 },
  },
  benchmark = true,  -- measures performance: runs alone under --jobs
}

local function measure(net, case, dst, extra)
  local o = { client = net.a, server = net.b, dst = dst, duration = case.duration,
              streams = case.streams }
  for k, v in pairs(extra or {}) do o[k] = v end
  return wglab.iperf(o)
end

-- The checks on one measurement; also run by the negative control.
local function check_measurement(what, r)
  check(what .. ": iperf completed", r.ok, r.error or "")
  check(what .. ": bytes moved", r.ok and r.bytes > 0, r.ok and (r.bytes .. " bytes") or "")
  return r.ok
end

local function series(case, fn)
  local t = {}
  for rep = 1, case.reps do t[#t + 1] = fn(rep) end
  return t
end

function run(case)
  local fam = case.family
  local net = wglab.pair { backends = { case.backend_a, case.backend_b }, outer = fam, inner = fam }
  check("tunnel up", (net.a:ping(net.tunnel[2], { timeout = 10 })))

  local fwd, rev, udp, loss, base = {}, {}, {}, {}, {}
  for rep = 1, case.reps do
    local r = measure(net, case, net.tunnel[2])
    if check_measurement("tcp a->b rep " .. rep, r) then fwd[#fwd + 1] = r.received_bps end
    r = measure(net, case, net.tunnel[2], { reverse = true })
    if check_measurement("tcp b->a rep " .. rep, r) then rev[#rev + 1] = r.received_bps end
    r = measure(net, case, net.tunnel[2], { udp = true, bitrate = case.udp_bitrate,
                                            size = fam == "ipv6" and 1372 or 1392 })
    if check_measurement("udp a->b rep " .. rep, r) then
      udp[#udp + 1] = r.received_bps
      loss[#loss + 1] = r.lost_percent
    end
    r = measure(net, case, net.underlay[2])
    if check_measurement("underlay tcp rep " .. rep, r) then base[#base + 1] = r.received_bps end
  end
  metric("tcp_throughput", "bit/s", fwd, "higher")
  metric("tcp_reverse_throughput", "bit/s", rev, "higher")
  metric("udp_throughput", "bit/s", udp, "higher")
  metric("udp_loss", "%", loss, "lower")
  metric("underlay_tcp_throughput", "bit/s", base)
  if #fwd > 0 and #base > 0 then
    metric("tunnel_vs_underlay", "ratio", wglab.stats.median(fwd) / wglab.stats.median(base), "higher")
  end

  -- Latency idle, then under load (an iperf running in the background).
  local idle = wglab.echo { client = net.a, server = net.b, dst = net.tunnel[2], count = case.echo_count }
  check_eq("idle echo: nothing lost", idle.received, idle.sent)
  local cap = wglab.capture(net.b, "veth0", { file = "b-veth0-load.pcap", snaplen = 96 })
  local bg = wglab.iperf_start { client = net.a, server = net.b, dst = net.tunnel[2],
                                 duration = case.duration + 1 }
  wglab.sleep(0.5)
  local loaded = wglab.echo { client = net.a, server = net.b, dst = net.tunnel[2],
                              count = case.echo_count, port = 7008 }
  check_measurement("background tcp under the latency probe", bg:wait())
  local w = cap:stop()
  check("latency probe answered under load", loaded.received > 0,
        loaded.received .. "/" .. loaded.sent)
  if idle.received > 0 then
    metric("latency_idle", "ms", idle.rtt_ms) -- every sample: the report's CDF
    metric("latency_idle_p50", "ms", idle.p50_ms, "lower")
    metric("latency_idle_p99", "ms", idle.p99_ms, "lower")
  end
  if loaded.received > 0 then
    metric("latency_loaded", "ms", loaded.rtt_ms)
    metric("latency_loaded_p50", "ms", loaded.p50_ms, "lower")
    metric("latency_loaded_p99", "ms", loaded.p99_ms, "lower")
  end
  metric("latency_loaded_loss", "%", loaded.loss_pct, "lower")
  check_eq("only encrypted WireGuard on the underlay under load", w.leaks, 0)
  check("capture kept up", w.dropped == 0, w.dropped .. " dropped")

  -- Negative controls: a measurement against a dead address must be flagged,
  -- and so must clear-text traffic on the underlay.
  expect_fail("a failed measurement is flagged", function()
    check_measurement("tcp to a dead address",
                      measure(net, { duration = 1, streams = 1 },
                              fam == "ipv6" and "2001:2:0:2::99" or "198.19.0.99"))
  end)
  expect_fail("clear text on the underlay is flagged", function()
    local c = wglab.capture(net.b, "veth0", { file = "control-cleartext.pcap" })
    net.a:ping(net.underlay[2], { timeout = 2 })
    check_eq("only encrypted WireGuard on the underlay (control)", c:stop().leaks, 0)
  end)
end
