-- cookie-lifetime: a cookie older than two minutes no longer earns a
-- handshake response from a responder under load.
--
--   [a: wg0]--veth0--[b: wg0 under test]--veth1--[x: flood source, probes]
--
-- The responder's cookie secret lives 120 s (CookieRefreshTime,
-- COOKIE_SECRET_MAX_AGE), and a cookie is only as good as the secret it was
-- made with. A probe (a configured peer) gets a cookie under load and shows
-- it works; then, `age` s later and under load again, it sends mac2 from that
-- same cookie ("held": a real peer would have dropped it): no response. In the
-- same window a fresh cookie still earns one, so the responder was listening.
-- "Under load" is confirmed each time by a witness's cookie reply, as in `dos`.

scenario {
  name = "cookie-lifetime",
  description = "a cookie older than 2 minutes earns no response under load",
  suite = "slow",
  topology = "single",
  families = { "ipv4" },
  params = {
    age = { default = 125, min = 121, max = 600,
            description = "s a cookie is aged before it must be refused (lifetime 120 s)" },
    flood = { default = 2048, min = 16, max = 1000000, description = "initiations per flood" },
    sources = { default = 8, min = 1, max = 90, description = "flood source addresses" },
    attempts = { default = 5, min = 1, max = 100, description = "tries per cookie check" },
    wait = { default = 3, min = 0.5, max = 60, type = "number",
             description = "s to wait for each answer" },
  },
  timeout = 300,
}

local B_ADDR, PLEN = "198.18.1.1", 24
local EP = B_ADDR .. ":51820"

local function flood_sources(x, n)
  local socks = {}
  for i = 1, n do
    local addr = "198.18.1." .. (9 + i)
    x:addr("veth0", addr .. "/" .. PLEN)
    socks[i] = x:udp { bind = addr }
  end
  return socks
end

local function configured(net, x, bind, n)
  local peers, probes = {}, {}
  for i = 1, n do
    local priv, pub = wglab.genkey()
    peers[i] = { public_key = pub, allowed_ips = { "198.19.1." .. i .. "/32" } }
    probes[i] = wglab.probe { socket = x:udp { bind = bind }, private_key = priv,
                              peer_public_key = net.public_key[2], peer_endpoint = EP }
  end
  net.wg[2]:set { peers = peers }
  return probes
end

-- Counts by kind of what p receives until the first answer or `wait` s.
local function answer(p, wait)
  local n, deadline = { response = 0, cookie = 0 }, wglab.now() + wait
  while wglab.now() < deadline do
    local kind, info = p:recv { timeout = math.max(0.001, deadline - wglab.now()) }
    if kind == "none" then break end
    n[kind] = (n[kind] or 0) + 1
    if kind == "cookie" then n.accepted = info.accepted end
    if kind == "response" or kind == "cookie" then n.first = n.first or kind; break end
  end
  return n
end

-- Floods until the witness, asking without mac2, gets a cookie reply.
local function load(case, st)
  for _ = 1, case.attempts do
    for i = 1, case.flood do st.stranger:resend_last { socket = st.socks[(i % #st.socks) + 1] } end
    local deadline = wglab.now() + case.wait
    repeat
      st.w:send_initiation { mac2 = false }
      local first = answer(st.w, 0.1).first
      if first == "cookie" then return true end
      if first == "response" then break end
    until wglab.now() > deadline
    wglab.sleep(0.05)
  end
  return false
end

local function fmt(n)
  return string.format("%d cookie reply(s), %d response(s)", n.cookie, n.response)
end

local function check_old(tag, n)
  check("under load, a cookie older than 2 minutes: no handshake response" .. tag,
        n.response == 0, fmt(n))
end

function run(case)
  local net = wglab.pair { backends = { case.backend, case.backend } }
  local x = wglab.node("attacker")
  net.b:veth("veth1", x, "veth0")
  net.b:addr("veth1", B_ADDR .. "/" .. PLEN); net.b:up("veth1"); x:up("veth0")
  x:addr("veth0", "198.18.1.100/" .. PLEN)
  local st = { socks = flood_sources(x, case.sources) }
  st.stranger = wglab.probe { socket = st.socks[1], peer_public_key = net.public_key[2],
                              peer_endpoint = EP }
  st.stranger:send_initiation {}
  local probes = configured(net, x, "198.18.1.100", 3)
  local p, fresh
  st.w, p, fresh = probes[1], probes[2], probes[3]

  -- A cookie, and proof that it works.
  check("flood puts the responder under load", load(case, st))
  p:send_initiation { mac2 = false }
  local got = answer(p, case.wait)
  check("under load, the probe gets a cookie", got.first == "cookie" and got.accepted, fmt(got))
  local t_cookie = wglab.now()
  load(case, st)
  p:send_initiation {}
  local young = answer(p, case.wait)
  check("under load, a cookie seconds old: handshake response", young.response > 0, fmt(young))

  -- The same cookie after `age` s, under load again; then a fresh cookie.
  local left = t_cookie + case.age - wglab.now()
  log(string.format("waiting %.0f s for the cookie to age", left))
  if left > 0 then wglab.sleep(left) end
  check("flood puts the responder under load again", load(case, st))
  p:send_initiation { mac2 = "held" }
  local old = answer(p, case.wait)
  local sent = p:last_sent()
  check("the probe sent mac2 from its old cookie", sent:sub(-16) ~= string.rep("\0", 16),
        "mac2 " .. (sent:sub(-16) == string.rep("\0", 16) and "all zeros" or "non-zero"))
  metric("cookie_age", "s", wglab.now() - t_cookie)
  check_old("", old)
  fresh:send_initiation { mac2 = false }
  local c = answer(fresh, case.wait)
  load(case, st)
  fresh:send_initiation {}
  local now = answer(fresh, case.wait)
  check("under load, a fresh cookie still earns a response", c.accepted and now.response > 0,
        fmt(now))

  expect_fail("the age check sees a cookie that still works", function()
    check_old(" (control)", young)
  end)
end
