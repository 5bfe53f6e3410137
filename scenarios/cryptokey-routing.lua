-- cryptokey-routing: a peer's AllowedIPs decide both which inner sources it
-- may send from (receive) and which destinations go to it (send), by longest
-- prefix across peers; moving a prefix moves the route; a destination no peer
-- owns never leaves on the underlay.
--
--   [a: wg0 .1, probes N and W on their own UDP ports]---veth---[b: wg0 under test]
--        captures: b/wg0 (inner, filtered by source), b/veth0 (outer)
--
-- b's peers (inner addresses; IPv6 uses 2001:2:0:2::X the same way):
--   a  198.19.0.1/32     (the pair's real peer)
--   W  198.19.0.0/25     (wide; the probe's own address .4)
--   N  198.19.0.3/32     (narrow, overlapping W; the probe's own address .3)
--      198.19.0.5/32     (N's until it is reassigned to W)
--   198.19.0.200 is in b's wg0 subnet but in no peer's AllowedIPs.
-- A forged packet is an echo request encrypted by a configured peer with an
-- inner source it is not allowed: it must not appear on b's wg0. Each burst
-- of forgeries is followed by a legitimate echo from the same probe whose
-- reply proves the burst was processed (a peer's packets are handled in order).

scenario {
  name = "cryptokey-routing",
  description = "AllowedIPs filter sources on receive and pick the peer on send, longest prefix wins",
  topology = "single",
  families = { "ipv4", "ipv6" },
  params = {
    forged = { default = 5, min = 1, max = 1000, description = "forged packets per burst" },
  },
  timeout = 120,
}

local PLAN = {
  ipv4 = { prefix = "198.19.0.", host = "/32", wide = "198.19.0.0/25", outside = "200" },
  ipv6 = { prefix = "2001:2:0:2::", host = "/128", wide = "2001:2:0:2::/121", outside = "c8" },
}

local function setup(case)
  local fam, P = case.family, PLAN[case.family]
  local net = wglab.pair { backends = { case.backend, case.backend }, outer = fam, inner = fam }
  local t = { net = net, P = P, fam = fam, addr = {}, probes = {}, caps = 0 }
  for _, k in ipairs { "1", "2", "3", "4", "5" } do t.addr[k] = P.prefix .. k end
  t.addr.outside = P.prefix .. P.outside
  t.b_target = endpoint_of(fam, net.underlay[2], net.port)
  for _, spec in ipairs { { "N", "3" }, { "W", "4" } } do
    local name, own = spec[1], spec[2]
    local priv, pub = wglab.genkey()
    local sock = net.a:udp { bind = net.underlay[1] }
    t.probes[name] = {
      pub = pub, sock = sock, src = t.addr[own],
      p = wglab.probe { socket = sock, private_key = priv, peer_public_key = net.public_key[2],
                        peer_endpoint = t.b_target, inner_src = t.addr[own],
                        inner_dst = net.tunnel[2] },
    }
  end
  t.probes.N.allowed = { t.addr["3"] .. P.host, t.addr["5"] .. P.host }
  t.probes.W.allowed = { P.wide }
  net.wg[2]:set { peers = {
    { public_key = t.probes.N.pub, allowed_ips = t.probes.N.allowed },
    { public_key = t.probes.W.pub, allowed_ips = t.probes.W.allowed },
  } }
  for _, name in ipairs { "N", "W" } do
    local ok, why = t.probes[name].p:handshake { timeout = 5 }
    check("probe " .. name .. " handshake with b", ok, tostring(why))
  end
  return t
end

local function capture(t, node, ifname, what, filter)
  t.caps = t.caps + 1
  return wglab.capture(node, ifname, { file = string.format("%02d-%s.pcap", t.caps, what),
                                       filter = filter })
end

-- Packets with inner source src that b delivered to its wg0 when probe
-- `name` sent `n` echo requests forged from src. `legit` = true sends them
-- as ordinary pings instead (src must then be the probe's own address).
local function delivered(t, name, src, n, legit)
  local pr = t.probes[name]
  local cap = capture(t, t.net.b, "wg0", "inner-" .. name .. "-from-" .. src:gsub(":", "_"),
                      "src host " .. src)
  local answered = 0
  for _ = 1, n do
    if legit then
      if pr.p:ping { timeout = 2 } then answered = answered + 1 end
    else
      pr.p:send_echo { src = src }
    end
  end
  -- The sandwich: processed after the forgeries, so they were processed too.
  local ok = legit or pr.p:ping { timeout = 2 }
  local w = cap:stop()
  return w.records, ok, answered
end

-- One forged burst: asserted dropped, its figure recorded as metric `key` (if any).
local function check_dropped(t, label, name, src, n, key)
  local got, ok = delivered(t, name, src, n)
  check(label .. ": probe " .. name .. " still answered after the burst", ok)
  check_eq(label .. ": " .. name .. " forging " .. src .. ", packets delivered on b/wg0", got, 0)
  if key then metric("forged_delivered_" .. key, "packets", got, "lower") end
  return got
end

local function check_allowed(t, label, name, src, n)
  local got, _, answered = delivered(t, name, src, n, true)
  check_eq(label .. ": " .. name .. " from its own " .. src .. ", packets delivered on b/wg0",
           got, n)
  check_eq(label .. ": echo replies to " .. name, answered, n)
end

-- Data messages (transport minus keepalives) from b to each UDP port on the underlay.
local function data_by_port(w, from)
  local by, inits = {}, 0
  for _, f in ipairs(w.flows or {}) do
    if f.src:match("^%[?([^%]]+)%]?:%d+$") == from then
      local dport = tonumber(f.dst:match(":(%d+)$"))
      by[dport] = (by[dport] or 0) + f.transport - f.keepalive
      inits = inits + f.initiation
    end
  end
  return by, inits
end

-- b sends one UDP datagram to dst over the tunnel; returns what the
-- underlay carried from b: data messages per destination port, initiations.
local function b_sends(t, dst, receiver)
  local net = t.net
  local cap = capture(t, net.b, "veth0", "outer-to-" .. dst:gsub(":", "_"))
  local s = net.b:udp { bind = net.tunnel[2] }
  local sent = pcall(s.send, s, dst, 9, "cryptokey-routing " .. dst)
  local got = receiver and receiver() or false
  if not receiver then wglab.sleep(1) end
  s:close()
  local by, inits = data_by_port(cap:stop(), net.underlay[2])
  return by, inits, got, sent
end

local function probe_got_data(pr)
  return function()
    local deadline = wglab.now() + 2
    while wglab.now() < deadline do
      local kind = pr.p:recv { timeout = 0.2 }
      if kind == "transport" then return true end
    end
    return false
  end
end

local function drain(t)
  for _, pr in pairs(t.probes) do
    while pr.p:recv { timeout = 0 } ~= "none" do end
  end
end

-- The send direction: dst must reach peer `owner` ("a", "N", "W") and no other.
local function check_route(t, label, dst, owner)
  local net = t.net
  local ports = { a = net.port, N = t.probes.N.sock:port(), W = t.probes.W.sock:port() }
  drain(t)
  local recv
  if owner == "a" then
    local s = net.a:udp { bind = net.tunnel[1], port = 9 }
    recv = function()
      local data = s:recv(2)
      s:close()
      return data ~= nil
    end
  else
    recv = probe_got_data(t.probes[owner])
  end
  local by, _, got = b_sends(t, dst, recv)
  check(label .. ": " .. owner .. " received b's packet for " .. dst, got)
  for _, name in ipairs { "a", "N", "W" } do
    local n = by[ports[name]] or 0
    if name == owner then
      check_ge(label .. ": data messages from b to " .. name .. " on the underlay", n, 1)
    else
      check_eq(label .. ": data messages from b to " .. name .. " (not the owner)", n, 0)
      t.misrouted = (t.misrouted or 0) + n
    end
  end
end

local function check_no_owner(t, label, dst)
  local by, inits, _, sent = b_sends(t, dst, nil)
  log(string.format("%s: b's stack %s the datagram for %s", label,
                    sent and "accepted" or "refused", dst))
  local total = 0
  for _, n in pairs(by) do total = total + n end
  check_eq(label .. ": data messages from b on the underlay for " .. dst .. " (no owner)", total, 0)
  check_eq(label .. ": initiations from b for " .. dst, inits, 0)
  return total + inits
end

local function receive_checks(t, n)
  local A = t.addr
  check_allowed(t, "receive", "N", A["3"], n)
  check_allowed(t, "receive", "W", A["4"], n)
  check_dropped(t, "receive outside every peer", "N", A.outside, n, "unowned")
  check_dropped(t, "receive another peer's address", "N", A["1"], n, "other_peer")
  check_dropped(t, "receive the wide peer's address", "N", A["4"], n, "wide_peer")
  -- Longest prefix on receive: .3 is inside W's /25 but belongs to N's /32.
  check_dropped(t, "longest prefix receive", "W", A["3"], n, "narrower_peer")
end

local function peer_ips(dev, pub)
  for _, p in ipairs(dev:get().peers) do
    if p.public_key == pub then return table.concat(p.allowed_ips, ",") end
  end
end

function run(case)
  local t = setup(case)
  local A, n, dev = t.addr, case.forged, t.net.wg[2]

  receive_checks(t, n)
  check_route(t, "longest prefix send", A["3"], "N")
  check_route(t, "send", A["4"], "W")
  check_route(t, "send", A["1"], "a")
  metric("underlay_messages_no_owner", "packets", check_no_owner(t, "send", A.outside), "lower")

  -- .5 is N's: it takes N's packets from .5 and gets b's packets for .5.
  local got = delivered(t, "N", A["5"], n)
  check_eq("before the move: N from " .. A["5"] .. ", packets delivered on b/wg0", got, n)
  check_route(t, "before the move", A["5"], "N")
  -- Move N's .5 to W: it leaves N, and both directions follow it.
  dev:set { peers = { { public_key = t.probes.W.pub,
                        allowed_ips = { t.P.wide, A["5"] .. t.P.host } } } }
  check_eq("reassigned: N's allowed IPs after the move", peer_ips(dev, t.probes.N.pub) or "?",
           A["3"] .. t.P.host)
  check_dropped(t, "reassigned receive old owner", "N", A["5"], n, "old_owner")
  got = delivered(t, "W", A["5"], n)
  check_eq("reassigned receive: W from " .. A["5"] .. ", packets delivered on b/wg0", got, n)
  check_route(t, "reassigned send", A["5"], "W")
  metric("misrouted_messages", "packets", t.misrouted or 0, "lower")

  -- Negative control: N legitimately owns the outside address; the same
  -- drop check must then see the packets and fail.
  expect_fail("an allowed source is flagged by the drop check", function()
    dev:set { peers = { { public_key = t.probes.N.pub,
                          allowed_ips = { A["3"] .. t.P.host, A.outside .. t.P.host } } } }
    check_dropped(t, "control", "N", A.outside, n)
  end)
  expect_fail("an owned destination is flagged by the no-owner check", function()
    check_no_owner(t, "control", A["4"])
  end)
end
