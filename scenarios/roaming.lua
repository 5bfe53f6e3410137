-- roaming: client a's underlay address changes mid-traffic; server b learns
-- the new endpoint from authenticated traffic without a new handshake, and a
-- replayed transport packet sent from an attacker's address must not move it.
--
--   [a: veth0, veth1, wg0]==2 veths==[b: veth0, veth1, wg0, veth2]--veth--[c: veth0]
--                                                          (attacker c, 198.18.3.0/24)
--
-- Two ways to move (param how):
--   "link"    (default) a changes networks: its route to b's address moves to
--             its second link (which has its own address), and the old link goes
--             down (Wi-Fi to cellular). b's address and port stay the same.
--   "address" a's address on veth0 is replaced by a new one (renumbering).
--             wireguard-go 0.0.20220316 over IPv4 cannot follow this one without
--             a new handshake: it keeps the vanished address as its sticky source
--             (sendmsg gives ENETUNREACH, it only clears the source on EINVAL)
--             until its 15 s retry clears it, so run it with -D how=address to
--             see that, or with the kernel backend.
-- Either way WireGuard keeps its socket; its next packet leaves from the new
-- source address.

scenario {
  name = "roaming",
  description = "endpoint moves without a handshake; replayed packets cannot hijack it",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    reps = { default = 3, min = 1, max = 100 },         -- moves
    how = { default = "link", one_of = { "link", "address" } },
    gap_timeout = { default = 5, min = 0.1, max = 300, type = "number" },   -- s
    learn_timeout = { default = 2, min = 0.1, max = 300, type = "number" }, -- s
  },
  timeout = 90,
}

-- Addresses (inside the benchmarking ranges). %d is 10 + the repetition.
local PLAN = {
  ipv4 = { link_a = "198.18.4.%d", link_b = "198.18.4.2", plen = 24, host = 32,
           same = "198.18.0.%d", attack_b = "198.18.3.2", attack_c = "198.18.3.3" },
  ipv6 = { link_a = "2001:2:0:4::%d", link_b = "2001:2:0:4::2", plen = 64, host = 128,
           same = "2001:2:0:1::%d", attack_b = "2001:2:0:3::2", attack_c = "2001:2:0:3::3" },
}

local function host_of(endpoint)
  return endpoint and endpoint:match("^%[?([^%]]+)%]?:%d+$")
end

local function peer_state(dev)
  return dev:get().peers[1] or {}
end

local function new_pair(case, rep)
  local p = PLAN[case.family]
  local net = wglab.pair { backends = { case.backend_a, case.backend_b },
                           outer = case.family, inner = case.family }
  net.current, net.current_plen, net.current_if = net.underlay[1], p.plen, "veth0"
  net.b_links = { "veth0" }
  if case.how == "link" then
    -- The second network, already up with a's next address (a phone's
    -- cellular link while it is on Wi-Fi). Pinging across it first keeps
    -- link start-up (IPv6 DAD of the link-local, neighbour discovery) out of
    -- the roaming gap.
    net.a:veth("veth1", net.b, "veth1")
    net.b:addr("veth1", p.link_b .. "/" .. p.plen)
    net.a:addr("veth1", string.format(p.link_a, 10 + rep) .. "/" .. p.plen)
    net.a:up("veth1")
    net.b:up("veth1")
    local ok, why = net.a:ping(p.link_b, { timeout = 5 })
    check("second network usable (rep " .. rep .. ")", ok, ok and "" or why)
    net.b_links[2] = "veth1"
  elseif case.family == "ipv4" then
    -- New IPv4 addresses are /32s (a second /24 would be a secondary that the
    -- kernel deletes with the primary), so a needs a route to b of its own.
    net.a:route(net.underlay[2] .. "/32", nil, "veth0")
  else
    assert(case.how == "address", "param how must be \"link\" or \"address\"")
  end
  return net
end

-- Moves a to a new address; returns it.
local function move(net, case, rep)
  local p = PLAN[case.family]
  local new
  if case.how == "link" then
    new = string.format(p.link_a, 10 + rep)
    net.a:route(net.underlay[2] .. "/" .. p.host, p.link_b, "veth1")
    net.a:up("veth0", false) -- the old network is gone
    net.current, net.current_plen, net.current_if = new, p.plen, "veth1"
  else
    new = string.format(p.same, 10 + rep)
    local plen = case.family == "ipv6" and 64 or 32
    net.a:addr("veth0", new .. "/" .. plen)
    net.a:addr_del("veth0", net.current .. "/" .. net.current_plen)
    net.current, net.current_plen = new, plen
  end
  return new
end

-- b learned a's new address as the endpoint (from a's authenticated traffic).
local function check_learned(net, case, new, tag)
  local got = wait_until(function()
    local h = host_of(peer_state(net.wg[2]).endpoint)
    return h == new and h or nil
  end, case.learn_timeout, 0.05)
  return check_eq("b learned a's new endpoint" .. tag,
                  got or host_of(peer_state(net.wg[2]).endpoint), new)
end

-- After a's own traffic, b's endpoint for a is still `before`, and the
-- tunnel works (it would not if b answered an attacker's address).
-- The endpoint is read before anything else crosses the tunnel (a's own
-- authenticated traffic would move it back), then b speaks first: its
-- packets must reach a, not whoever sent the replay.
local function check_endpoint_kept(net, before, tag)
  check_eq("b's endpoint for a unchanged" .. tag, peer_state(net.wg[2]).endpoint, before)
  local ok, why = net.b:ping(net.tunnel[1], { timeout = 3, interval = 0.05 })
  check("b still reaches a first" .. tag, ok, ok and "" or why)
end

-- Messages of an analysis sent from `host`.
local function messages_from(w, host)
  local n = 0
  for _, f in ipairs(w.flows or {}) do
    if host_of(f.src) == host then n = n + f.initiation + f.response + f.cookie + f.transport end
  end
  return n
end

-- The newest transport message a sent to b in a capture (a live counter).
local function last_transport_from_a(path, net)
  local last
  for _, m in ipairs(wglab.wg_messages(path, { type = 4 })) do
    if m.src == net.current and m.dst == net.underlay[2] then last = m end
  end
  return last
end

-- An attacker on its own link to b replays a's message from its own address.
local function hijack(net, case, warm_path)
  local p = PLAN[case.family]
  local msg = last_transport_from_a(warm_path, net)
  check("a transport message from a was captured", msg ~= nil)
  if not msg then return end
  local c = wglab.node("c")
  net.b:veth("veth2", c, "veth0")
  net.b:addr("veth2", p.attack_b .. "/" .. p.plen)
  c:addr("veth0", p.attack_c .. "/" .. p.plen)
  net.b:up("veth2")
  c:up("veth0")
  local cap = wglab.capture(net.b, "veth2", { file = "roaming-attacker.pcap" })
  local before = peer_state(net.wg[2]).endpoint
  local s = c:udp { bind = p.attack_c, port = net.port }
  s:send(p.attack_b, net.port, msg.data)
  s:send(p.attack_b, net.port, msg.data)
  local reply = s:recv(1.0)
  check("attacker gets no reply", reply == nil, reply and (#reply .. " bytes") or "")
  check_endpoint_kept(net, before, " after replay from " .. p.attack_c)
  local leaked = s:recv(0.5)
  check("attacker received none of b's traffic", leaked == nil, leaked and (#leaked .. " bytes") or "")
  local w = cap:stop()
  check_eq("both replayed messages reached b", w.transports, 2)
  check_eq("b sent nothing to the attacker", messages_from(w, p.attack_b), 0)
end

local function capture_b(net, name)
  local caps = {}
  for _, ifname in ipairs(net.b_links) do
    caps[#caps + 1] = wglab.capture(net.b, ifname, { file = name .. "-" .. ifname .. ".pcap" })
  end
  return caps
end

-- Stops the captures; sums what the checks need over b's links.
local function stop_all(caps, host)
  local sum = { initiations = 0, responses = 0, leaks = 0, from_host = 0 }
  for _, cap in ipairs(caps) do
    local w = cap:stop()
    sum.initiations = sum.initiations + w.initiations
    sum.responses = sum.responses + w.responses
    sum.leaks = sum.leaks + w.leaks
    sum.from_host = sum.from_host + messages_from(w, host)
    sum.leak_example = sum.leak_example or w.leak_example
  end
  return sum
end

-- One repetition: connect, (attack), move, measure the gap, check wire and state.
local function one_move(case, rep)
  local net = new_pair(case, rep)
  local warm = wglab.capture(net.b, "veth0", { file = "roaming-warmup-" .. rep .. ".pcap" })
  local ok, why = net.a:ping(net.tunnel[2], { timeout = 5 })
  check("tunnel up before the move (rep " .. rep .. ")", ok, ok and "" or why)
  for _ = 1, 3 do net.a:ping(net.tunnel[2], { timeout = 2 }) end
  local ww = warm:stop()
  check_eq("one handshake before the move (rep " .. rep .. ")", ww.initiations, 1)
  check_eq("b's endpoint is a's first address (rep " .. rep .. ")",
           host_of(peer_state(net.wg[2]).endpoint), net.underlay[1])
  if rep == 1 then hijack(net, case, ww.path) end

  local hs_a, hs_b = peer_state(net.wg[1]).last_handshake, peer_state(net.wg[2]).last_handshake
  local caps = capture_b(net, "roaming-move-" .. rep)
  local t0 = wglab.now()
  local new = move(net, case, rep)
  local pok, perr = net.a:ping(net.tunnel[2], { timeout = case.gap_timeout, interval = 0.01 })
  local gap_ms = (wglab.now() - t0) * 1000
  check("tunnel works after the move (rep " .. rep .. ")", pok,
        pok and string.format("%.1f ms", gap_ms) or perr)
  check_learned(net, case, new, " (rep " .. rep .. ")")
  for _ = 1, 3 do net.a:ping(net.tunnel[2], { timeout = 2 }) end
  local w = stop_all(caps, new)
  check_eq("no initiation on the wire across the move (rep " .. rep .. ")", w.initiations, 0)
  check_eq("no response on the wire across the move (rep " .. rep .. ")", w.responses, 0)
  check("messages from a's new address reached b (rep " .. rep .. ")", w.from_host > 0,
        "from " .. new .. ": " .. w.from_host)
  check("no plaintext on the underlay (rep " .. rep .. ")", w.leaks == 0, w.leak_example or "")
  check_eq("a's last handshake unchanged (rep " .. rep .. ")", peer_state(net.wg[1]).last_handshake, hs_a)
  check_eq("b's last handshake unchanged (rep " .. rep .. ")", peer_state(net.wg[2]).last_handshake, hs_b)
  return pok and gap_ms or nil
end

function run(case)
  local gaps = {}
  for rep = 1, case.reps do
    gaps[#gaps + 1] = one_move(case, rep)
  end
  metric("roam_gap", "ms", gaps, "lower")

  -- Negative controls on a fresh pair.
  local net = new_pair(case, 1)
  check("control pair up", (net.a:ping(net.tunnel[2], { timeout = 5 })))
  local new
  expect_fail("a moves but sends nothing: b cannot have learned it", function()
    new = move(net, case, 1)
    check_learned(net, case, new, " (no traffic after the move)")
  end)
  expect_fail("a really roams: the endpoint-kept check must flag it", function()
    local before = peer_state(net.wg[2]).endpoint
    check_endpoint_kept(net, before, " (real roam)")
  end)
end
