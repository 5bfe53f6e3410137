-- mesh: N WireGuard nodes, each the gateway of a site (a host on its own
-- subnet behind the node), joined as a full mesh and as hub-and-spoke.
--
--   [site1]--[n1]--+                 n1 .. nN: WireGuard nodes (forwarding on),
--   [site2]--[n2]--+--[core]         backends alternate A, B, A, ... by index
--     ...          |  (underlay      core: the underlay router between them
--   [siteN]--[nN]--+   router)       site i: 198.19.(16+i).0/24, 2001:2:0:30i::/64
--
-- Checks, per layout: every site reaches every other site through the
-- tunnels (the sites have no route but their gateway, the gateways route
-- other sites only into wg0); in hub-and-spoke, spokes talk only to the hub
-- on the wire and the hub forwards between them; removing one site's peer
-- cuts exactly that site.

scenario {
  name = "mesh",
  description = "N sites as full mesh and hub-and-spoke: reachability, hub forwarding, peer removal",
  topology = "pair",
  families = { "ipv4", "ipv6" },
  params = {
    n = { default = 5, min = 3, max = 20, description = "sites" },
    timeout = { default = 5, min = 1, max = 60, description = "s for all sites to reach each other" },
  },
  timeout = 300,
}

local function site_net(i, fam)
  if fam == "ipv6" then return string.format("2001:2:0:%x::", 0x300 + i), 64 end
  return string.format("198.19.%d.", 16 + i), 24
end

local function tunnel_addr(i, fam)
  return fam == "ipv6" and string.format("2001:2:0:2::%x", i) or string.format("198.19.0.%d", i)
end

local function backend_of(case, i)
  return i % 2 == 1 and case.backend_a or case.backend_b
end

-- Underlay (nodes around a core router) and the sites behind every node.
local function build(case)
  local names, links = {}, {}
  for i = 1, case.n do
    names[i] = "n" .. i
    links[i] = { names[i], "core" }
  end
  local t = wglab.topology { nodes = names, routers = { "core" }, links = links }
  local m = { t = t, node = {}, site = {}, wg = {}, pub = {}, priv = {} }
  for i = 1, case.n do
    local n, s = t.nodes[names[i]], wglab.node("site" .. i)
    m.node[i], m.site[i] = n, s
    n:forwarding(true)
    n:veth("site", s, "eth0")
    for _, fam in ipairs({ "ipv4", "ipv6" }) do
      local p, len = site_net(i, fam)
      n:addr("site", p .. "1/" .. len)
      s:addr("eth0", p .. "2/" .. len)
    end
    n:up("site")
    s:up("eth0")
    s:route("198.19.16.0/20", site_net(i, "ipv4") .. "1", "eth0")
    s:route("2001:2:0:300::/56", site_net(i, "ipv6") .. "1", "eth0")
    m.priv[i], m.pub[i] = wglab.genkey()
  end
  return m
end

local function site_host(i, fam)
  local p = site_net(i, fam)
  return p .. "2"
end

local function allowed_for(j)
  local p4, p6 = site_net(j, "ipv4"), site_net(j, "ipv6")
  return { tunnel_addr(j, "ipv4") .. "/32", tunnel_addr(j, "ipv6") .. "/128",
           p4 .. "0/24", p6 .. "/64" }
end

-- WireGuard on every node; hub = nil: full mesh, else that node is the hub.
local function wire(case, m, hub)
  local fam = case.family
  local function ep(j) return endpoint_of(fam, m.t.addr["n" .. j][fam], 51820) end
  for i = 1, case.n do
    local dev = m.node[i]:wg(backend_of(case, i), "wg0")
    m.wg[i] = dev
    m.node[i]:addr("wg0", tunnel_addr(i, "ipv4") .. "/24")
    m.node[i]:addr("wg0", tunnel_addr(i, "ipv6") .. "/64")
    m.node[i]:up("wg0")
    local peers = {}
    if hub and i ~= hub then
      local allowed = {}
      for j = 1, case.n do
        if j ~= i then for _, a in ipairs(allowed_for(j)) do allowed[#allowed + 1] = a end end
      end
      peers[1] = { public_key = m.pub[hub], endpoint = ep(hub), allowed_ips = allowed }
    else
      for j = 1, case.n do
        if j ~= i then
          peers[#peers + 1] = { public_key = m.pub[j], endpoint = ep(j), allowed_ips = allowed_for(j) }
        end
      end
    end
    dev:set { private_key = m.priv[i], listen_port = 51820, replace_peers = true, peers = peers }
    for j = 1, case.n do
      if j ~= i then
        local p4, p6 = site_net(j, "ipv4"), site_net(j, "ipv6")
        m.node[i]:route(p4 .. "0/24", nil, "wg0")
        m.node[i]:route(p6 .. "/64", nil, "wg0")
      end
    end
  end
end

-- Pings every ordered pair of sites; returns the set of pairs that failed ("i>j").
-- m.slowest_ms: the slowest first answer so far (a first contact includes a handshake).
local function reach_all(case, m, timeout)
  local failed = {}
  for i = 1, case.n do
    for j = 1, case.n do
      if i ~= j then
        local ok, ms = m.site[i]:ping(site_host(j, case.family), { timeout = timeout, interval = 0.1 })
        if not ok then failed[#failed + 1] = i .. ">" .. j end
        if ok then m.slowest_ms = math.max(m.slowest_ms or 0, ms) end
      end
    end
  end
  return failed
end

-- How long a pair that must be cut is pinged. Every pair had a session from
-- the all-pairs check before a peer was removed, so a pair that is wrongly
-- still reachable answers within a round trip (a re-handshake included,
-- within a first contact's time). 20x the slowest first contact measured
-- (it included a handshake), at least 0.25 s, at most the 1.5 s it once was:
-- each cut pair waits this out in turn, 8 of them in hub-and-spoke.
local function silence(m)
  return math.min(1.5, math.max(0.25, 20 * (m.slowest_ms or 75) / 1000))
end

local function check_all(case, m, tag, timeout)
  local failed = reach_all(case, m, timeout or case.timeout)
  check("every site reaches every other site" .. tag, #failed == 0,
        #failed == 0 and "" or ("unreachable: " .. table.concat(failed, " ")))
end

-- Checks that exactly the pairs in `cut` (set of "i>j") fail.
local function check_exactly(case, m, cut, tag)
  local failed, wrong = reach_all(case, m, silence(m)), {}
  local got = {}
  for _, p in ipairs(failed) do got[p] = true; if not cut[p] then wrong[#wrong + 1] = p .. " cut" end end
  for p in pairs(cut) do if not got[p] then wrong[#wrong + 1] = p .. " still reachable" end end
  table.sort(wrong)
  check("removing the peer cut exactly that site" .. tag, #wrong == 0, table.concat(wrong, ", "))
end

local function remove_peer(m, on, who)
  m.wg[on]:set { peers = { { public_key = m.pub[who], remove = true } } }
end

local function full_mesh(case)
  local m = build(case)
  wire(case, m, nil)
  check_all(case, m, " (full mesh)")
  for i = 1, case.n do
    check_eq("n" .. i .. " has a handshake with every peer (full mesh)",
             #(function() local h = {}
               for _, p in ipairs(m.wg[i]:get().peers) do if p.last_handshake > 0 then h[#h + 1] = p end end
               return h end)(), case.n - 1)
  end
  -- n1 removes site 3's peer: only 1<->3 is cut.
  remove_peer(m, 1, 3)
  check_exactly(case, m, { ["1>3"] = true, ["3>1"] = true }, " (full mesh)")
  expect_fail("full mesh with a removed peer: all-pairs reachability must flag it", function()
    check_all(case, m, " (full mesh, peer removed)", silence(m))
  end)
end

local function hub_and_spoke(case)
  local m = build(case)
  wire(case, m, 1)
  local cap = wglab.capture(m.node[2], "eth0", { file = "mesh-spoke2.pcap" })
  check_all(case, m, " (hub and spoke)")
  local w = cap:stop()
  local hub_addr = m.t.addr.n1[case.family]
  local others = 0
  for _, f in ipairs(w.flows or {}) do
    local s, d = f.src:match("^%[?([^%]]+)%]?:%d+$"), f.dst:match("^%[?([^%]]+)%]?:%d+$")
    if s ~= hub_addr and d ~= hub_addr then others = others + 1 end
  end
  check("spoke 2 talks WireGuard with the hub only", w.transports > 0 and others == 0,
        string.format("%d transport messages, %d flows not with the hub", w.transports, others))
  check_eq("spoke 2 has one peer, the hub", #m.wg[2]:get().peers, 1)
  -- The hub forwarded spoke-to-spoke traffic: it sent to spokes what other spokes sent.
  local hub_peers = m.wg[1]:get().peers
  local fwd = 0
  for _, p in ipairs(hub_peers) do if p.tx_bytes > 0 and p.rx_bytes > 0 then fwd = fwd + 1 end end
  check_eq("the hub exchanged traffic with every spoke", fwd, case.n - 1)
  -- The hub removes spoke 3: site 3 is cut from everyone, nothing else is.
  remove_peer(m, 1, 3)
  local cut = {}
  for i = 1, case.n do if i ~= 3 then cut[i .. ">3"], cut["3>" .. i] = true, true end end
  check_exactly(case, m, cut, " (hub and spoke)")
end

function run(case)
  assert(case.n >= 3 and case.n <= 12, "param n must be 3..12")
  full_mesh(case)
  hub_and_spoke(case)
end
