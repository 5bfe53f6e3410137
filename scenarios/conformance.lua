-- conformance: properties any WireGuard implementation must keep (after the
-- kernel selftest netns.sh), each a named check with its figure.
--
--   [a: wg0, listener udp, probe]---veth---[b: wg0, probe]      (wglab.pair)
--
-- 1. Peers nothing may ever be sent to: b gets its own public key, then the
--    zero key and the other low-order Curve25519 points, as peers with a
--    1-second persistent keepalive and an endpoint where a listener on a
--    counts every datagram. A real peer with that config sends an initiation
--    at once (the negative control proves it).
-- 2. Private key change: a takes a new key, b swaps a's old key for the new
--    one; the first ping after the change is answered well within
--    REKEY_TIMEOUT (a must drop its old sessions and handshake at once), and
--    a no longer answers initiations made for its old public key.
-- The routing-loop property of netns.sh is the scenario `routing-loop`.

scenario {
  name = "conformance",
  description = "own key and low-order keys never contacted; a key change re-handshakes at once",
  topology = "single",
  families = { "ipv4", "ipv6" },
  params = {
    listen = { default = 2.5, min = 0.5, max = 60,
               description = "seconds the listener counts datagrams, per check" },
  },
  timeout = 120,
}

-- The zero key and the other points of small order on Curve25519, as
-- netns.sh lists them (public facts of the curve).
local LOW_ORDER = {
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",
  "X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=",
  "7P///////////////////////////////////////38=",
  "7f///////////////////////////////////////38=",
  "7v///////////////////////////////////////38=",
}

local PLAN = {
  ipv4 = { prefix = "198.19.0.", host = "/32" },
  ipv6 = { prefix = "2001:2:0:2::", host = "/128" },
}

local function listed(dev, key)
  for _, p in ipairs(dev:get().peers) do
    if p.public_key == key then return true end
  end
  return false
end

-- Datagrams the listener gets within `secs`.
local function count_datagrams(sock, secs)
  local n, deadline = 0, wglab.now() + secs
  while true do
    local left = deadline - wglab.now()
    if left <= 0 then return n end
    if sock:recv(left) then n = n + 1 end
  end
end

-- Adds `keys` to b as peers pointed at a's listener, counts what reaches
-- the listener, removes them again. Returns datagrams, peers listed, refused.
local function contact(t, keys)
  local peers, listen_ep = {}, endpoint_of(t.fam, t.net.underlay[1], t.listener:port())
  for i, k in ipairs(keys) do
    peers[i] = { public_key = k, endpoint = listen_ep, keepalive = 1 }
  end
  local dev = t.net.wg[2]
  local ok = pcall(dev.set, dev, { peers = peers })
  local n = count_datagrams(t.listener, t.case.listen)
  local shown = 0
  for _, k in ipairs(keys) do
    if listed(dev, k) then shown = shown + 1 end
  end
  local rm = {}
  for i, k in ipairs(keys) do rm[i] = { public_key = k, remove = true } end
  pcall(dev.set, dev, { peers = rm })
  return n, shown, not ok
end

local function check_silent(t, tag, keys, self)
  local n, shown, refused = contact(t, keys)
  check_eq(tag .. ": datagrams sent to their endpoint in " .. t.case.listen .. " s", n, 0)
  if self then
    check(tag .. ": ignored or refused (not listed as a peer)", refused or shown == 0,
          refused and "refused" or (shown .. " listed"))
  end
  log(string.format("%s: %d datagram(s), %d of %d listed%s", tag, n, shown, #keys,
                    refused and ", refused" or ""))
  return n
end

local function key_change(t)
  local net, fam, P = t.net, t.fam, t.P
  local a, b = net.wg[1], net.wg[2]
  check("a reaches b before the key change", (net.a:ping(net.tunnel[2], { timeout = 3 })))
  -- A probe on b's side, a peer of a, to knock on a's old and new identities.
  local ppriv, ppub = wglab.genkey()
  a:set { peers = { { public_key = ppub, allowed_ips = { P.prefix .. "9" .. P.host } } } }
  local sock = net.b:udp { bind = net.underlay[2] }
  local function probe(peer_pub)
    return wglab.probe { socket = sock, private_key = ppriv, peer_public_key = peer_pub,
                         peer_endpoint = endpoint_of(fam, net.underlay[1], net.port) }
  end
  local old_pub = net.public_key[1]
  local new_priv, new_pub = wglab.genkey()
  a:set { private_key = new_priv }
  b:set { peers = { { public_key = new_pub, allowed_ips = { net.tunnel[1] .. P.host } },
                    { public_key = old_pub, remove = true } } }
  check_eq("a's public key after the change", a:get().public_key, new_pub)
  -- REKEY_TIMEOUT is 5 s: an implementation that kept its old session would
  -- not retry a handshake before then.
  local ok, ms = net.a:ping(net.tunnel[2], { timeout = 2 })
  check("first ping after the key change answered (2 s, below REKEY_TIMEOUT)", ok,
        ok and string.format("%.1f ms", ms) or tostring(ms))
  if ok then metric("key_change_first_reply", "ms", ms, "lower") end
  local hs = 0
  for _, p in ipairs(b:get().peers) do
    if p.public_key == new_pub then hs = p.last_handshake end
  end
  check("b completed a handshake with a's new identity", hs > 0, "last_handshake " .. hs)
  local old = probe(old_pub)
  old:send_initiation {}
  local k_old = old:recv { timeout = 1.5 }
  check_eq("initiation to a's old public key gets no reply", k_old, "none")
  local new = probe(new_pub)
  local hok, why = new:handshake { timeout = 3 }
  check("initiation to a's new public key is answered (control)", hok, tostring(why))
end

function run(case)
  local net = wglab.pair { backends = { case.backend, case.backend }, outer = case.family,
                           inner = case.family }
  local t = { case = case, net = net, fam = case.family, P = PLAN[case.family] }
  t.listener = net.a:udp { bind = net.underlay[1] }

  local b_pub = net.public_key[2]
  metric("datagrams_to_own_key_peer", "packets", check_silent(t, "own public key as a peer",
         { b_pub }, true), "lower")
  metric("datagrams_to_low_order_peers", "packets", check_silent(t, "zero and low-order keys",
         LOW_ORDER), "lower")
  expect_fail("an ordinary key with the same config is contacted", function()
    check_silent(t, "control: a fresh key", { select(2, wglab.genkey()) }, true)
  end)

  key_change(t)
end
