-- The prelude every scenario runs with (compiled into wglab).
-- Contract: docs/SCENARIO-API.md.

-- The case's deadline cannot be caught: once it has passed, every
-- protected call re-raises it on the way back (harness/lua/sandbox.c).
do
  local raw_pcall, raw_xpcall, after = pcall, xpcall, wglab._after_pcall
  local co_resume, co_close = coroutine.resume, coroutine.close
  function pcall(...) return after(raw_pcall(...)) end
  function xpcall(...) return after(raw_xpcall(...)) end
  coroutine.resume = function(...) return after(co_resume(...)) end
  coroutine.close = function(...) return after(co_close(...)) end
  wglab._after_pcall = nil
  -- Finalizers run with hooks off: a __gc that loops would outlive the deadline.
  local raw_setmetatable = setmetatable
  function setmetatable(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      error("bad argument #2 to 'setmetatable' (__gc is not available to scenarios: "
            .. "use a to-be-closed variable and __close)", 2)
    end
    return raw_setmetatable(t, mt)
  end
  -- Text chunks only: malformed bytecode can crash the interpreter.
  local raw_load, raw_loadfile = load, loadfile
  function load(chunk, name, _, ...) return raw_load(chunk, name, "t", ...) end
  local function named(file, fn)
    if type(file) ~= "string" then
      error(string.format("bad argument #1 to '%s' (file name expected, got %s)", fn,
                          type(file)), 3)
    end
  end
  function loadfile(file, _, ...) named(file, "loadfile"); return raw_loadfile(file, "t", ...) end
  function dofile(file)
    named(file, "dofile")
    local fn, err = raw_loadfile(file, "t")
    if not fn then error(err, 2) end
    return fn()
  end
end

-- Argument checks of the prelude's functions, worded like the C bindings'.
local function argcheck(ok, n, fname, msg)
  if not ok then error(string.format("bad argument #%d to '%s' (%s)", n, fname, msg), 3) end
end

local function argtype(v, want, n, fname, optional)
  argcheck(type(v) == want or (optional and v == nil), n, fname,
           want .. " expected, got " .. (v == nil and "no value" or type(v)))
end

-- scenario{...}: declares the scenario; the runner expands its matrix.
function scenario(t)
  if type(t) ~= "table" or type(t.name) ~= "string" then
    error("scenario{} needs at least name = \"...\"", 2)
  end
  __scenario = t
end

-- wait_until(fn, timeout_s, interval_s): polls fn until it returns a truthy
-- value; returns that value and the elapsed seconds, or nil and elapsed.
function wait_until(fn, timeout, interval)
  argtype(fn, "function", 1, "wait_until")
  argtype(timeout, "number", 2, "wait_until", true)
  argtype(interval, "number", 3, "wait_until", true)
  argcheck(interval == nil or (interval > 0 and interval <= 60), 3, "wait_until",
           "interval must be 0..60 s")
  timeout = timeout or 5
  interval = interval or 0.05
  local start = wglab.now()
  while true do
    local v = fn()
    local elapsed = wglab.now() - start
    if v then return v, elapsed end
    if elapsed >= timeout then return nil, elapsed end
    wglab.sleep(interval)
  end
end

-- expect_fail(name, fn): a negative control. fn runs the same checks
-- against a setup that is deliberately wrong; at least one of them must
-- fail, which proves the checks can fail at all. The checks inside are not
-- recorded as the case's own.
function expect_fail(name, fn)
  argtype(name, "string", 1, "expect_fail")
  argtype(fn, "function", 2, "expect_fail")
  local saved = wglab._negative_begin()
  local ok, err = pcall(fn)
  local failed = wglab._negative_end(saved)
  if not ok then error(err, 0) end
  return check("negative control: " .. name, failed > 0,
               failed > 0 and (failed .. " check(s) failed as they must")
                          or "no check failed: the assertions cannot detect this fault")
end

-- Comparison helpers that say what they saw.
function check_eq(name, got, want)
  return check(name, got == want, string.format("got %s, want %s", tostring(got), tostring(want)))
end

function check_le(name, got, limit)
  return check(name, got ~= nil and got <= limit,
               string.format("got %s, limit %s", tostring(got), tostring(limit)))
end

function check_ge(name, got, limit)
  return check(name, got ~= nil and got >= limit,
               string.format("got %s, at least %s", tostring(got), tostring(limit)))
end

-- Peer config for a node of a pair-like topology.
function peer_of(public_key, endpoint, allowed, extra)
  argtype(public_key, "string", 1, "peer_of")
  argtype(endpoint, "string", 2, "peer_of", true)
  argtype(extra, "table", 4, "peer_of", true)
  local p = { public_key = public_key, endpoint = endpoint, allowed_ips = allowed }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

-- An endpoint as WireGuard writes it: ip:port, or [ip]:port for "ipv6".
function endpoint_of(family, ip, port)
  argtype(family, "string", 1, "endpoint_of")
  argtype(ip, "string", 2, "endpoint_of")
  return family == "ipv6" and ("[" .. ip .. "]:" .. port) or (ip .. ":" .. port)
end

-- The address family string of the case as the pair wants it.
function family_of(case)
  argtype(case, "table", 1, "family_of")
  return case.family or "ipv4"
end

-- Resident memory of the implementation in KiB (userspace daemon only; nil for kernel).
function impl_rss_kib(dev)
  argcheck(type(dev) == "userdata" and type(dev.info) == "function", 1, "impl_rss_kib",
           "wg device expected, got " .. type(dev))
  local info = dev:info()
  if not info.pid or info.pid <= 0 then return nil end
  local f = io.open("/proc/" .. info.pid .. "/status")
  if not f then return nil end
  local s = f:read("a"); f:close()
  return tonumber(s:match("VmRSS:%s+(%d+)"))
end

-- ---- topologies with routers (docs/SCENARIO-API.md, "Routers, NAT and topologies") ----

local TOPO_RESERVED = { links = true, ifname = true, addr = true, nodes = true, routers = true }

-- Link i's subnets: 198.18.(63+i).0/24 and 2001:2:0:(ff+i)::/64, side a .1, side b .2.
local function topo_link_addrs(i)
  assert(i <= 150, "topology: at most 150 links")
  local v4 = string.format("198.18.%d.", 63 + i)
  local v6 = string.format("2001:2:0:%x::", 0xff + i)
  return { v4 .. "1", v4 .. "2" }, { v6 .. "1", v6 .. "2" }
end

-- For node `from`: the first hop (neighbour name, link) toward every node,
-- over shortest paths whose intermediate nodes are routers.
local function topo_first_hops(t, from)
  local first, queue, seen = {}, { from }, { [from] = true }
  local head = 1
  while queue[head] do
    local x = queue[head]; head = head + 1
    if x == from or t._router[x] then
      for _, l in ipairs(t.links) do
        local y = (l.a == x and l.b) or (l.b == x and l.a)
        if y and not seen[y] then
          seen[y] = true
          first[y] = x == from and { hop = y, link = l } or first[x]
          queue[#queue + 1] = y
        end
      end
    end
  end
  return first
end

-- Host routes on every node to every address it is not directly attached to.
local function topo_routes(t)
  for name, node in pairs(t.nodes) do
    local first = topo_first_hops(t, name)
    local attached = {}
    for _, l in ipairs(t.links) do
      if l.a == name or l.b == name then attached[l] = true end
    end
    for _, l in ipairs(t.links) do
      if not attached[l] then
        for side = 1, 2 do
          local f = first[side == 1 and l.a or l.b] or first[side == 1 and l.b or l.a]
          if f then
            local me = f.link.a == name and 1 or 2
            node:route(l.ipv4[side] .. "/32", f.link.ipv4[3 - me], f.link.ifname[me])
            node:route(l.ipv6[side] .. "/128", f.link.ipv6[3 - me], f.link.ifname[me])
          end
        end
      end
    end
  end
end

-- wglab.topology{nodes={...}, routers={...}, links={{"a", "r", mtu=}, ...}, visible=}
-- Argument errors of the topology calls name the call and the field, as the
-- C bindings' do; level 3 points at the scenario's line.
local function topo_check(ok, fn, field, what)
  if not ok then error(string.format("%s: field '%s': %s", fn, field, what), 3) end
end

local function topo_names(list, fn, field)
  topo_check(list == nil or type(list) == "table", fn, field, "a list of names expected")
  for _, n in ipairs(list or {}) do
    topo_check(type(n) == "string", fn, field, "names must be strings")
  end
end

local function topo_check_spec(spec)
  if type(spec) ~= "table" then
    error("bad argument #1 to 'topology' (table expected, got " .. type(spec) .. ")", 3)
  end
  topo_names(spec.nodes, "topology", "nodes")
  topo_names(spec.routers, "topology", "routers")
  topo_check(type(spec.links) == "table", "topology", "links", "a list of {a, b} expected")
  for _, l in ipairs(spec.links) do
    topo_check(type(l) == "table" and type(l[1]) == "string" and type(l[2]) == "string",
               "topology", "links", "each link is {name, name, mtu = n}")
    topo_check(l.mtu == nil or math.type(l.mtu) == "integer", "topology", "mtu",
               "an integer expected")
  end
end

function wglab.topology(spec)
  topo_check_spec(spec)
  local t = { nodes = {}, links = {}, ifname = {}, addr = {}, _router = {} }
  local function add(name, router)
    assert(not TOPO_RESERVED[name] and not t.nodes[name], "topology: bad or duplicate name " .. name)
    local n = router and wglab.router(name, { visible = spec.visible })
                      or wglab.node(name, { visible = spec.visible })
    t.nodes[name], t[name], t._router[name], t.ifname[name] = n, n, router or nil, {}
  end
  for _, n in ipairs(spec.nodes or {}) do add(n, false) end
  for _, n in ipairs(spec.routers or {}) do add(n, true) end
  local count = {}
  for i, s in ipairs(spec.links) do
    local a, b = s[1], s[2]
    assert(t.nodes[a] and t.nodes[b] and a ~= b, "topology: link " .. i .. " joins unknown nodes")
    local ia, ib = "eth" .. (count[a] or 0), "eth" .. (count[b] or 0)
    count[a], count[b] = (count[a] or 0) + 1, (count[b] or 0) + 1
    local v4, v6 = topo_link_addrs(i)
    local l = { a = a, b = b, ifname = { ia, ib }, ipv4 = v4, ipv6 = v6, mtu = s.mtu }
    t.nodes[a]:veth(ia, t.nodes[b], ib)
    for side, node in ipairs({ t.nodes[a], t.nodes[b] }) do
      local ifn = l.ifname[side]
      if s.mtu then node:mtu(ifn, s.mtu) end
      node:addr(ifn, v4[side] .. "/24")
      node:addr(ifn, v6[side] .. "/64")
      node:up(ifn)
    end
    t.ifname[a][b], t.ifname[b][a] = ia, ib
    t.addr[a] = t.addr[a] or { ipv4 = v4[1], ipv6 = v6[1] }
    t.addr[b] = t.addr[b] or { ipv4 = v4[2], ipv6 = v6[2] }
    t.links[i] = l
  end
  for _, l in ipairs(t.links) do
    t.nodes[l.a]:wait_running(l.ifname[1], 3)
    t.nodes[l.b]:wait_running(l.ifname[2], 3)
  end
  topo_routes(t)
  return t
end

-- wglab.tunnel{topology=t, a=name, b=name, backends={A, B}, outer=, inner=,
-- keepalive=, b_knows_a=, port=}: WireGuard between two nodes of a topology,
-- shaped like wglab.pair's table. a gets b's endpoint; b learns a's from its
-- first handshake unless b_knows_a (a behind NAT has no address b could know).
local function tunnel_check(o)
  if type(o) ~= "table" then
    error("bad argument #1 to 'tunnel' (table expected, got " .. type(o) .. ")", 3)
  end
  local t = o.topology
  topo_check(type(t) == "table" and type(t.nodes) == "table" and type(t.addr) == "table",
             "tunnel", "topology", "a wglab.topology{} expected")
  for _, k in ipairs({ "a", "b" }) do
    topo_check(type(o[k]) == "string" and t.nodes[o[k]] ~= nil and t.addr[o[k]] ~= nil,
               "tunnel", k, "the name of a linked node of the topology expected")
  end
  topo_check(type(o.backends) == "table" and type(o.backends[1]) == "string"
             and type(o.backends[2]) == "string", "tunnel", "backends", "{A, B} expected")
  for _, k in ipairs({ "outer", "inner" }) do
    topo_check(o[k] == nil or o[k] == "ipv4" or o[k] == "ipv6", "tunnel", k,
               "\"ipv4\" or \"ipv6\" expected")
  end
  topo_check(o.port == nil or (math.type(o.port) == "integer" and o.port > 0 and o.port < 65536),
             "tunnel", "port", "an integer in 1..65535 expected")
  topo_check(o.keepalive == nil or (math.type(o.keepalive) == "integer" and o.keepalive >= 0
             and o.keepalive < 65536), "tunnel", "keepalive", "an integer in 0..65535 expected")
end

function wglab.tunnel(o)
  tunnel_check(o)
  local t, fam, inner = o.topology, o.outer or "ipv4", o.inner or o.outer or "ipv4"
  local port = o.port or 51820
  local na, nb = t.nodes[o.a], t.nodes[o.b]
  assert(na and nb, "tunnel: a and b must be nodes of the topology")
  local net = { a = na, b = nb, wg = {}, port = port, backend = o.backends,
                private_key = {}, public_key = {},
                underlay = { t.addr[o.a][fam], t.addr[o.b][fam] } }
  local t4, t6 = { "198.19.0.1", "198.19.0.2" }, { "2001:2:0:2::1", "2001:2:0:2::2" }
  net.tunnel = inner == "ipv6" and t6 or t4
  for i, node in ipairs({ na, nb }) do
    net.private_key[i], net.public_key[i] = wglab.genkey()
    net.wg[i] = node:wg(o.backends[i], "wg0")
    node:addr("wg0", t4[i] .. "/24")
    node:addr("wg0", t6[i] .. "/64")
    node:up("wg0")
  end
  local function ep(i) return endpoint_of(fam, net.underlay[i], port) end
  -- b first: a's first packet (an initiation, at once with a keepalive) must find b listening.
  for _, i in ipairs({ 2, 1 }) do
    local j = 3 - i
    local peer = { public_key = net.public_key[j], allowed_ips = { t4[j] .. "/32", t6[j] .. "/128" } }
    if i == 1 then peer.endpoint, peer.keepalive = ep(2), o.keepalive
    elseif o.b_knows_a then peer.endpoint = ep(1) end
    net.wg[i]:set { private_key = net.private_key[i], listen_port = port, replace_peers = true,
                    peers = { peer } }
  end
  net.configured_at = wglab.now()
  return net
end
