-- nat-roaming: the client changes networks mid-transfer, from behind one NAT
-- router to behind another (new public address, new mapping). The server
-- learns the new endpoint from the client's authenticated traffic, without
-- a new handshake; the gap and the bytes lost are reported.
--
--   [client]--eth0--[nat1]--+
--       \                   +--[isp]--[server]
--        `--eth1--[nat2]----+
--
-- The move: the client's first network goes away (eth0 down, its routes
-- with it) and the route to the server moves to the second one.

scenario {
  name = "nat-roaming",
  description = "client moves from one NAT to another mid-transfer: gap, loss, endpoint learned",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    duration = { default = 4, min = 2, max = 60, description = "s of UDP traffic across the move" },
    move_at = { default = 1.5, min = 0, max = 60, description = "s into the traffic the NAT moves" },
    bitrate = { default = 20e6, min = 1e3, max = 10e9, description = "bit/s of the UDP traffic" },
    learn_timeout = { default = 3, min = 0.5, max = 60, type = "number",
                      description = "s for the server to learn the new endpoint" },
  },
  timeout = 120,
}

local function host_of(endpoint)
  return endpoint and endpoint:match("^%[?([^%]]+)%]?:%d+$")
end

local function server_peer(net)
  return net.wg[2]:get().peers[1] or {}
end

local function build(case)
  local t = wglab.topology {
    nodes = { "client", "server" }, routers = { "nat1", "nat2", "isp" },
    links = { { "client", "nat1" }, { "client", "nat2" }, { "nat1", "isp" }, { "nat2", "isp" },
              { "isp", "server" } },
  }
  for _, r in ipairs({ "nat1", "nat2" }) do t[r]:nat { out = t.ifname[r].isp } end
  t.public = { t.links[3][case.family][1], t.links[4][case.family][1] }
  return t
end

-- The client's route to the server moves to its second network.
local function move(case, t, net)
  local fam, plen = case.family, case.family == "ipv6" and 128 or 32
  t.client:up("eth0", false)
  t.client:route(net.underlay[2] .. "/" .. plen, t.links[2][fam][2], "eth1")
end

-- Checks after the move; returns the server's endpoint host.
local function verify_learned(case, net, new_public, tag)
  local got = wait_until(function()
    local h = host_of(server_peer(net).endpoint)
    return h == new_public and h or nil
  end, case.learn_timeout, 0.02)
  check_eq("server learned the client's new public address" .. tag,
           got or host_of(server_peer(net).endpoint), new_public)
end

function run(case)
  local t = build(case)
  local net = wglab.tunnel { topology = t, a = "client", b = "server", outer = case.family,
                             keepalive = 1, backends = { case.backend_a, case.backend_b } }
  local ok, why = net.a:ping(net.tunnel[2], { timeout = 5 })
  check("tunnel up behind nat1", ok, ok and "" or why)
  check_eq("server sees nat1's public address", host_of(server_peer(net).endpoint), t.public[1])
  local hs = server_peer(net).last_handshake
  local cap = wglab.capture(t.server, "eth0", { file = "nat-roaming-server.pcap", snaplen = 96 })
  local h = wglab.iperf_start { client = net.a, server = net.b, dst = net.tunnel[2], udp = true,
                                bitrate = case.bitrate, duration = case.duration }
  wglab.sleep(case.move_at)
  local t0 = wglab.now()
  move(case, t, net)
  local pok = net.a:ping(net.tunnel[2], { timeout = 5, interval = 0.01 })
  local gap_ms = (wglab.now() - t0) * 1000
  check("tunnel works after the move", pok, string.format("%.1f ms", gap_ms))
  verify_learned(case, net, t.public[2], "")
  local r = h:wait()
  local w = cap:stop()
  check_eq("no handshake on the wire across the move", w.initiations, 0)
  check_eq("server's last handshake unchanged", server_peer(net).last_handshake, hs)
  check("UDP transfer completed", r.ok, r.error or "")
  if pok then metric("roam_gap", "ms", gap_ms, "lower") end
  if r.ok then
    metric("lost_packets", "packets", r.lost_packets or 0, "lower")
    metric("lost_percent", "%", r.lost_percent or 0, "lower")
    log(string.format("gap %.1f ms; UDP %d of %d packets lost (%.2f %%)", gap_ms,
                      r.lost_packets or 0, r.packets or 0, r.lost_percent or 0))
  end
  -- Negative control: a second move with no traffic after it; the server cannot know.
  expect_fail("client moves back but stays silent: the server cannot have learned it", function()
    local net2 = { wg = net.wg }
    t.client:up("eth0", true)
    -- IPv6 addresses went with the link (keep_addr_on_down is off); IPv4 ones stay.
    if case.family == "ipv6" then t.client:addr("eth0", t.links[1].ipv6[1] .. "/64") end
    t.client:wait_running("eth0", 3)
    net.wg[1]:set { peers = { { public_key = net.public_key[2], keepalive = 0 } } }
    t.client:up("eth1", false)
    t.client:route(net.underlay[2] .. "/" .. (case.family == "ipv6" and 128 or 32),
                   t.links[1][case.family][2], "eth0")
    verify_learned({ learn_timeout = 1.5 }, net2, t.public[1], " (no traffic after the move)")
  end)
end
