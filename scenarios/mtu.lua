-- mtu: the underlay path is narrower than the tunnel needs. The tunnel keeps
-- its default MTU (1420) while one router hop is 1280 bytes, so large inner
-- packets make outer packets that do not fit.
--
--   [client]--eth (1500)--[r]--eth (underlay_mtu)--[server]
--
-- Per case (backend pair and family, outer = inner family):
--   cold:  the first oversize probe, before any path MTU is known: does it
--          arrive, did the router fragment it (IPv4 only: IPv6 routers never
--          fragment), did it send a "fragmentation needed" / "packet too big"?
--   sweep: inner sizes from small to the tunnel MTU, each probed `count`
--          times with a UDP echo (DF set on the inner packet), after the
--          cold probe: which pass once path MTU discovery had its chance.
-- The largest inner size that passes is the case's `largest_inner` metric.
-- Throughput cost: TCP through the tunnel at its default MTU (outer packets
-- fragmented) and with the tunnel MTU lowered until outer packets fit.

scenario {
  name = "mtu",
  description = "underlay MTU below the tunnel's: inner sizes, fragmentation, PMTU discovery",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    underlay_mtu = { default = 1280, min = 1280, max = 1500, description = "the narrow link's MTU" },
    count = { default = 2, min = 1, max = 100, description = "probes per inner size" },
    duration = { default = 2, min = 1, max = 60, description = "s per iperf run" },
  },
  timeout = 180,
}

local SIZES = { 1200, 1216, 1232, 1248, 1264, 1280, 1312, 1344, 1380, 1400, 1420 }
local IP_HDR = { ipv4 = 20, ipv6 = 40 }
local FRAGMENTS = { ipv4 = "ip[6:2] & 0x3fff != 0", ipv6 = "ip6[6] == 44" }
local PMTU_SIGNAL = { ipv4 = "icmp[0] == 3 and icmp[1] == 4", ipv6 = "icmp6 and ip6[40] == 2" }

-- Outer IP packet of an inner packet: padded to 16 (but not beyond the
-- tunnel's MTU), + 32 (header, tag) + UDP + IP.
local WG_MTU = 1420
local function outer_size(inner, fam)
  return math.min(math.ceil(inner / 16) * 16, WG_MTU) + 32 + 8 + IP_HDR[fam]
end

local function build(case)
  local t = wglab.topology {
    nodes = { "client", "server" }, routers = { "r" },
    links = { { "client", "r" }, { "r", "server", mtu = case.underlay_mtu } },
  }
  local net = wglab.tunnel { topology = t, a = "client", b = "server", outer = case.family,
                             backends = { case.backend_a, case.backend_b } }
  return t, net
end

-- Echo probes of `inner` bytes (whole inner IP packet); returns received, sent.
local function probe(net, case, inner, count)
  local r = wglab.echo { client = net.a, server = net.b, dst = net.tunnel[2], count = count,
                         interval = 0.1, payload = inner - IP_HDR[case.family] - 8 }
  return r.received, r.sent
end

-- Captures counting the client's outer fragments (on its own link: made by
-- the sender; on the narrow link: by the sender or the router) and PMTU
-- signals reaching the client. The echo replies are left out: the server
-- fragments them itself, its own link being the narrow one.
local function captures(t, tag)
  local fam = t._family
  local frag = FRAGMENTS[fam] .. " and src host " .. t.addr.client[fam]
  return {
    src_frag = wglab.capture(t.client, "eth0", { file = tag .. "-client-frag.pcap", filter = frag }),
    narrow_frag = wglab.capture(t.r, "eth1", { file = tag .. "-narrow-frag.pcap", filter = frag }),
    signal = wglab.capture(t.client, "eth0", { file = tag .. "-client-pmtu.pcap", filter = PMTU_SIGNAL[fam] }),
  }
end

local function stop(caps)
  local n = {}
  for k, c in pairs(caps) do n[k] = c:stop().records end
  return n
end

-- The first oversize probe, before any path MTU was learned.
local function cold(case, t, net, wg_mtu)
  local caps = captures(t, "mtu-cold")
  local got = probe(net, case, wg_mtu, 1)
  local n = stop(caps)
  local router_frag = n.narrow_frag - n.src_frag
  log(string.format("cold %d-byte probe (outer %d): %s; fragments by the sender %d, on the narrow link %d; PMTU signals %d",
                    wg_mtu, outer_size(wg_mtu, case.family), got > 0 and "arrived" or "lost",
                    n.src_frag, n.narrow_frag, n.signal))
  metric("cold_oversize_arrived", "bool", got > 0 and 1 or 0)
  metric("router_fragments", "packets", router_frag)
  metric("pmtu_signals", "packets", n.signal)
  if case.family == "ipv6" then
    check("IPv6: the oversize outer packet is lost at the router", got == 0)
    check("IPv6: the router sent Packet Too Big", n.signal > 0, n.signal .. " seen")
    check_eq("IPv6: the router fragmented nothing", router_frag, 0)
  else
    check("IPv4: the oversize outer packet was fragmented or signalled",
          n.narrow_frag > 0 or n.signal > 0,
          string.format("%d fragments, %d frag-needed", n.narrow_frag, n.signal))
    check("IPv4: if it arrived, it crossed the narrow link in fragments",
          got == 0 or n.narrow_frag > 0)
  end
  return got, n
end

-- Every size once PMTU discovery had its chance; returns the largest that passed.
local function sweep(case, t, net, wg_mtu)
  local caps = captures(t, "mtu-sweep")
  local largest, fits_fail = 0, {}
  for _, inner in ipairs(SIZES) do
    if inner <= wg_mtu then
      local got, sent = probe(net, case, inner, case.count)
      local fits = outer_size(inner, case.family) <= case.underlay_mtu
      log(string.format("inner %4d outer %4d %s: %d/%d", inner, outer_size(inner, case.family),
                        fits and "fits " or "over ", got, sent))
      if got == sent then largest = math.max(largest, inner) end
      if fits and got < sent then fits_fail[#fits_fail + 1] = inner end
    end
  end
  local n = stop(caps)
  log(string.format("sweep: fragments by the sender %d, on the narrow link %d; PMTU signals %d",
                    n.src_frag, n.narrow_frag, n.signal))
  check("every inner size whose outer packet fits the narrow link passes", #fits_fail == 0,
        #fits_fail == 0 and "" or ("lost: " .. table.concat(fits_fail, ", ")))
  metric("largest_inner", "bytes", largest, "higher")
  metric("pmtu_recovered", "bool", largest == wg_mtu and 1 or 0)
  return largest
end

-- TCP at the tunnel's MTU, then with the tunnel MTU that fits the narrow link.
local function throughput_cost(case, net, wg_mtu)
  -- Padding stops at the MTU, so an inner packet of exactly `fit` fills the narrow link.
  local fit = case.underlay_mtu - 32 - 8 - IP_HDR[case.family]
  local runs = { { wg_mtu, "tcp_tunnel_mtu_default" } }
  if case.family == "ipv6" and fit < 1280 then
    -- IPv6 needs 1280 on every link: this path cannot carry IPv6 in IPv6 unfragmented.
    log(string.format("no fitting tunnel MTU: %d is below IPv6's minimum 1280", fit))
  else
    runs[2] = { fit, "tcp_tunnel_mtu_fitting" }
  end
  for _, m in ipairs(runs) do
    net.a:mtu("wg0", m[1])
    net.b:mtu("wg0", m[1])
    local r = wglab.iperf { client = net.a, server = net.b, dst = net.tunnel[2], duration = case.duration }
    check("TCP through the tunnel at MTU " .. m[1], r.ok, r.error or "")
    if r.ok then
      metric(m[2], "bit/s", r.received_bps, "higher")
      log(string.format("TCP at tunnel MTU %d: %.0f bit/s, %d retransmits", m[1], r.received_bps,
                        r.retransmits or -1))
    end
  end
end

function run(case)
  local t, net = build(case)
  t._family = case.family
  local wg_mtu = net.a:mtu("wg0")
  WG_MTU = wg_mtu
  check_eq("the narrow link's MTU", t.server:mtu("eth0"), case.underlay_mtu)
  local ok, why = net.a:ping(net.tunnel[2], { timeout = 5 })
  check("tunnel up with small packets", ok, ok and "" or why)
  check("the tunnel's MTU exceeds what the narrow link carries",
        outer_size(wg_mtu, case.family) > case.underlay_mtu,
        string.format("wg0 %d -> outer %d over %d", wg_mtu, outer_size(wg_mtu, case.family),
                      case.underlay_mtu))
  local got, n = cold(case, t, net, wg_mtu)
  -- Negative control: the wire checks must see that the narrow link could
  -- not carry the oversize outer packet whole.
  expect_fail("the oversize outer packet crossed the narrow link untouched", function()
    check("arrived without fragments or PMTU signal",
          got > 0 and n.narrow_frag == 0 and n.signal == 0)
  end)
  local largest = sweep(case, t, net, wg_mtu)
  log(string.format("largest working inner size: %d of %d (%s)", largest, wg_mtu, case.name))
  throughput_cost(case, net, wg_mtu)
end
