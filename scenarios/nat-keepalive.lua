-- nat-keepalive: a client behind a NAT router with a short UDP conntrack
-- timeout. Without PersistentKeepalive the server loses the way to the client
-- once the mapping expires; with a keepalive shorter than the timeout it
-- keeps it, and a NAT rebinding (the mapping moves to another port) is
-- survived like a roam.
--
--   [client]--eth--[nat: masquerade, conntrack timeout]--eth--[isp]--eth--[server]
--    private                public address of the client ^
--
-- The nat router is a home router: it masquerades what leaves towards the
-- isp and drops new flows coming in from there, so the server can only use
-- the mapping the client's own packets opened.

scenario {
  name = "nat-keepalive",
  description = "NAT mapping expiry without keepalive, keepalive interval, NAT rebinding",
  topology = "pair",
  families = { "ipv4", "ipv6" }, -- IPv6: NAT66 masquerade, as some CPE routers do
  params = {
    ct_timeout = { default = 3, min = 1, max = 60, description = "s of the NAT's UDP conntrack timeout" },
    keepalive = { default = 1, min = 1, max = 60, description = "s, persistent keepalive" },
    learn_timeout = { default = 4, min = 1, max = 60,
                      description = "s for the server to learn the client's endpoint" },
  },
  timeout = 120,
}

local function host_port(endpoint)
  local h, p = (endpoint or ""):match("^%[?([^%]]+)%]?:(%d+)$")
  return h, tonumber(p)
end

local function server_peer(net)
  return net.wg[2]:get().peers[1] or {}
end

-- client, nat and isp routers, server; NAT with the short timeout.
local function build(case)
  local t = wglab.topology {
    nodes = { "client", "server" }, routers = { "nat", "isp" },
    links = { { "client", "nat" }, { "nat", "isp" }, { "isp", "server" } },
  }
  t.nat:nat { out = t.ifname.nat.isp }
  t.nat:conntrack { udp_timeout = case.ct_timeout, udp_stream_timeout = case.ct_timeout }
  t.public = t.links[2][case.family][1] -- the nat's address towards the isp
  return t
end

local function tunnel(case, t, keepalive)
  return wglab.tunnel { topology = t, a = "client", b = "server", keepalive = keepalive,
                        outer = case.family,
                        backends = { case.backend_a, case.backend_b } }
end

-- Client connects; the server learns the NAT's public address, not the client's.
local function connect(net, t, tag)
  local ok, why = net.a:ping(net.tunnel[2], { timeout = 5 })
  check("client reaches the server through the NAT" .. tag, ok, ok and "" or why)
  local host = host_port(server_peer(net).endpoint)
  check_eq("server sees the client at the NAT's public address" .. tag, host, t.public)
end

-- The checks that the server can still open the tunnel towards the client.
local function server_reaches_client(net, tag)
  local ok, why = net.b:ping(net.tunnel[1], { timeout = 2, interval = 0.1 })
  check("server reaches the client after idling past the NAT timeout" .. tag, ok,
        ok and "" or why)
  return ok
end

-- Messages on the client's link that came from the server's side.
local function arrived_at_client(w)
  return w.initiations + w.responses + w.cookies + w.transports
end

-- Without keepalive: reachable before the mapping expires, not after.
local function without_keepalive(case)
  local t = build(case)
  local net = tunnel(case, t, nil)
  connect(net, t, " (no keepalive)")
  local ok = net.b:ping(net.tunnel[1], { timeout = 2 })
  check("before expiry the server reaches the client", ok)
  -- The server's ping refreshed the mapping: now idle past the timeout.
  wglab.sleep(case.ct_timeout + 1.5)
  local ct = t.nat:conntrack()
  check_eq("the NAT's mapping expired (UDP conntrack entries)", ct.udp, 0)
  local cap = wglab.capture(t.client, "eth0", { file = "nat-expired-client.pcap" })
  local reached
  expect_fail("no keepalive: the server cannot reach the client after expiry", function()
    reached = server_reaches_client(net, " (no keepalive)")
  end)
  local w = cap:stop()
  check("without keepalive the server's packets do not arrive", not reached)
  check_eq("nothing from the server reached the client's link", arrived_at_client(w), 0)
  local sent = server_peer(net).tx_bytes
  log(string.format("server sent %d bytes into the expired mapping", sent))
end

-- Intervals (s) between the client's keepalives (32-byte transport messages) on a capture.
local function keepalive_intervals(path, from, before)
  local times, iv = {}, {}
  for _, m in ipairs(wglab.wg_messages(path, { type = 4 })) do
    if m.src == from and #m.data == 32 and m.time < before then times[#times + 1] = m.time end
  end
  for i = 2, #times do iv[#iv + 1] = times[i] - times[i - 1] end
  return iv, #times
end

-- NAT rebinding: the mapping moves to another port; the server follows.
local function rebind(case, t, net)
  local _, old_port = host_port(server_peer(net).endpoint)
  local t0 = wglab.now()
  local lo, hi = t.nat:nat_rebind()
  local port = wait_until(function()
    local h, p = host_port(server_peer(net).endpoint)
    return h == t.public and p ~= old_port and p or nil
  end, case.learn_timeout, 0.02)
  local learned_s = wglab.now() - t0
  check("server learned the new mapping's port", port ~= nil,
        string.format("old %s, now %s", tostring(old_port), tostring(server_peer(net).endpoint)))
  check("the new port is in the NAT's new window", port and port >= lo and port <= hi,
        string.format("%s in %d-%d", tostring(port), lo, hi))
  local mapped = t.nat:conntrack().udp_ports or {}
  check_eq("the NAT's mapping uses the port the server learned", mapped[1], port)
  log(string.format("rebinding: port %s -> %s (window %d-%d), learned in %.3f s",
                    tostring(old_port), tostring(port), lo, hi, learned_s))
  if port then metric("rebind_learn", "s", learned_s, "lower") end
  server_reaches_client(net, " (after the rebinding)")
  return port
end

local function with_keepalive(case)
  local t = build(case)
  local cap = wglab.capture(t.server, "eth0", { file = "nat-keepalive-server.pcap" })
  local net = tunnel(case, t, case.keepalive)
  local hs = nil
  connect(net, t, " (keepalive)")
  hs = server_peer(net).last_handshake
  wglab.sleep(case.ct_timeout + 2)
  local idle_end = wglab.wallclock()
  check_eq("the NAT's mapping is still there (UDP conntrack entries)", t.nat:conntrack().udp, 1)
  server_reaches_client(net, " (keepalive " .. case.keepalive .. " s)")
  rebind(case, t, net)
  local w = cap:stop()
  local iv, n = keepalive_intervals(w.path, t.public, idle_end)
  check_ge("keepalives on the wire while idle", n, math.floor((case.ct_timeout + 2) / case.keepalive) - 1)
  local med = wglab.stats.median(iv)
  metric("keepalive_interval", "s", iv)
  check("keepalive interval matches the configured one", med ~= nil and
        med >= 0.5 * case.keepalive and med <= 1.5 * case.keepalive,
        string.format("median %s s, configured %d s", tostring(med), case.keepalive))
  check_eq("one handshake on the wire: the rebinding needed none", w.initiations, 1)
  check_eq("server's last handshake unchanged across the rebinding",
           server_peer(net).last_handshake, hs)
  check("no plaintext on the server's link", w.leaks == 0, w.leak_example or "")
end

function run(case)
  without_keepalive(case)
  with_keepalive(case)
end
