-- many-peers: N clients (wglab probes, each its own key) handshake with one
-- node under test. Handshakes per second, connect-latency percentiles,
-- config apply time and the node's memory.
--
--   [c: N probes on one UDP socket 198.18.0.1]---veth---[s: wg0 under test, N+1 peers]

scenario {
  name = "many-peers",
  description = "N probe clients handshake with one node",
  topology = "single",
  families = { "ipv4" },
  params = {
    peers = { default = 1000, min = 1, max = 1020 },    -- at most 1020 (198.19.4.0/22)
    sample_pings = { default = 20, min = 0, max = 1020 },
  },
  timeout = 600,
  benchmark = true,  -- measures performance: runs alone under --jobs
}

local function inner_addr(i)
  -- 198.19.4.0 upward: clear of the pair's own 198.19.0.0/24
  local n = 4 * 256 + i
  return string.format("198.19.%d.%d", n // 256, n % 256)
end

-- Every probe's key must be a peer on the node with a handshake recorded.
local function check_all_handshaked(tag, dev, keys)
  local seen, missing = {}, 0
  for _, peer in ipairs(dev:get().peers) do
    if peer.last_handshake > 0 then seen[peer.public_key] = true end
  end
  for _, k in ipairs(keys) do if not seen[k] then missing = missing + 1 end end
  check("every client has a handshake on the node" .. tag, missing == 0,
        missing .. " of " .. #keys .. " without a handshake")
end

function run(case)
  local n = case.peers
  local net = wglab.pair { backends = { case.backend, case.backend } }
  local server = net.wg[2]
  net.b:route("198.19.4.0/22", nil, "wg0") -- the clients' tunnel addresses
  local rss0 = impl_rss_kib(server)
  local sock = net.a:udp { bind = net.underlay[1] }
  local probes, keys, peers = {}, {}, {}
  for i = 1, n do
    local priv, pub = wglab.genkey()
    keys[i] = pub
    peers[i] = { public_key = pub, allowed_ips = { inner_addr(i) .. "/32" } }
    probes[i] = { priv = priv }
  end
  local t = wglab.now()
  server:set { peers = peers }
  metric("config_apply_" .. n .. "_peers", "ms", (wglab.now() - t) * 1000, "lower")
  check_eq("node holds every peer", #server:get().peers, n + 1)

  local rtts, failed = {}, 0
  local t0 = wglab.now()
  for i = 1, n do
    local p = wglab.probe { socket = sock, private_key = probes[i].priv,
                            peer_public_key = net.public_key[2],
                            peer_endpoint = net.underlay[2] .. ":51820",
                            inner_src = inner_addr(i), inner_dst = net.tunnel[2] }
    local ok, rtt = p:handshake { timeout = 5 }
    if ok then rtts[#rtts + 1] = rtt else failed = failed + 1 end
    probes[i].probe = i <= case.sample_pings and p or nil
  end
  local elapsed = wglab.now() - t0
  check_eq("every handshake completed", failed, 0)
  metric("handshakes_per_s", "1/s", #rtts / elapsed, "higher")
  metric("connect_latency", "ms", rtts, "lower")
  log(string.format("%d handshakes in %.2f s; p50 %.2f ms p99 %.2f ms", #rtts, elapsed,
                    wglab.stats.percentile(rtts, 50) or -1, wglab.stats.percentile(rtts, 99) or -1))
  local pinged = 0
  for i = 1, math.min(case.sample_pings, n) do
    if probes[i].probe and probes[i].probe:ping { timeout = 2 } then pinged = pinged + 1 end
  end
  check_eq("sampled clients reach the node through the tunnel", pinged, math.min(case.sample_pings, n))
  check_all_handshaked("", server, keys)
  local rss1 = impl_rss_kib(server)
  if rss0 and rss1 then
    metric("node_memory", "KiB", rss1, "lower")
    metric("node_memory_per_peer", "KiB", (rss1 - rss0) / n, "lower")
  end

  -- Negative control: one more configured client that never handshakes.
  expect_fail("a client without a handshake is noticed", function()
    local _, pub = wglab.genkey()
    server:set { peers = { { public_key = pub, allowed_ips = { inner_addr(n + 1) .. "/32" } } } }
    local k2 = { table.unpack(keys, 1, math.min(#keys, 50)) }
    k2[#k2 + 1] = pub
    check_all_handshaked(" (control)", server, k2)
  end)
end
