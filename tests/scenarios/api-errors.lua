-- Wrong values given to the network bindings: each error is one line that
-- names the binding, the argument and the real cause, never the bare
-- netlink errno ("No such device", "Operation not permitted", "Invalid
-- argument", "Input/output error"). Each row: a call and the message it
-- must raise (a plain substring). Wrong types are api-fuzz's (fuzz-api.lua).
scenario {
  name = "api-errors",
  description = "misused network bindings get errors naming binding, argument and cause",
  topology = "single",
  families = { "ipv4" },
}

function run(case)
  local a, b = wglab.node("a"), wglab.node("b")
  a:veth("v0", b, "v1")
  a:addr("v0", "198.18.0.1/24")
  a:veth("u0", b, "u1")
  a:up("u0")
  b:up("u1")
  a:addr("u0", "198.18.1.1/24")
  a:route("198.19.1.0/24", nil, "u0")
  a:udp { bind = "198.18.0.1", port = 5000 }
  local okw, w = pcall(a.wg, a, case.backend, "wg0")
  local _, pub = wglab.genkey()
  local plain = "^[^\n]+$" -- one line
  local rows = {
    { function() a:addr("v0", "10.0.0.1/24") end,
      "addr: cidr '10.0.0.1/24': outside the allowed ranges 198.18.0.0/15 and 2001:2::/48" },
    { function() a:addr("v0", "198.18.0.1/24") end,
      "addr: cidr '198.18.0.1/24': link 'v0' of node a already has it" },
    { function() a:addr("v0", "198.18.0.1/40") end,
      "addr: cidr '198.18.0.1/40': the prefix length must be 0..32 for IPv4" },
    { function() a:addr("v0", "2001:2::1/129") end,
      "addr: cidr '2001:2::1/129': the prefix length must be 0..128 for IPv6" },
    { function() a:addr("v0", "hello/24") end, "addr: cidr 'hello/24': not an IPv4 or IPv6 address" },
    { function() a:addr("nolink", "198.18.0.5/24") end,
      "addr: link 'nolink': node a has no link of that name" },
    { function() a:addr_del("v0", "198.18.0.9/24") end,
      "addr_del: cidr '198.18.0.9/24': link 'v0' of node a has no such address" },
    { function() a:up("nolink") end, "up: link 'nolink': node a has no link of that name" },
    { function() a:mtu("nolink", 1400) end, "mtu: link 'nolink': node a has no link of that name" },
    { function() a:mtu("v0", 70000) end, "bad argument #2 to 'mtu' (mtu must be 68..65535)" },
    { function() a:link_del("nolink") end, "link_del: link 'nolink': node a has no link of that name" },
    { function() a:veth("v0", b, "v9") end, "veth: link 'v0': node a already has a link of that name" },
    { function() a:veth("v9", b, "v1") end, "veth: link 'v1': node b already has a link of that name" },
    { function() a:veth(string.rep("x", 16), b, "v9") end,
      "veth: link name '" .. string.rep("x", 16) .. "': must be 1..15 characters" },
    { function() a:link_add("x0", "nosuchkind") end,
      "link_add: kind 'nosuchkind': this kernel has no such link type" },
    { function() a:route("8.8.8.0/24", nil, "v0") end,
      "route: dst '8.8.8.0/24': outside the allowed ranges" },
    { function() a:route("198.19.0.0/24", "10.1.1.1", "u0") end,
      "route: gateway '10.1.1.1': outside the allowed ranges" },
    { function() a:route("198.19.0.0/24", nil, "v0") end,
      "route: dst '198.19.0.0/24': link 'v0' of node a is down or has no carrier" },
    { function() a:route("198.19.1.0/24", nil, "u0") end,
      "route: dst '198.19.1.0/24': node a already has a route to it" },
    { function() a:route("198.19.4.0/24", "198.18.7.7", "u0") end,
      "route: dst '198.19.4.0/24': the kernel refused it (is the gateway on a subnet of link 'u0'?)" },
    { function() a:route("198.19.2.0/24", nil, "nolink") end,
      "route: link 'nolink': node a has no link of that name" },
    { function() a:udp { bind = "198.18.9.9" } end,
      "udp: field 'bind': 198.18.9.9 is not an address of node a" },
    { function() a:udp { bind = "10.0.0.1" } end, "udp: field 'bind': '10.0.0.1' is outside the allowed ranges" },
    { function() a:udp { bind = "198.18.0.1", port = 70000 } end,
      "udp: field 'port': 70000 is out of range 0..65535" },
    { function() a:udp { bind = "198.18.0.1", port = 5000 } end,
      "udp: field 'port': 5000 on 198.18.0.1 is already in use on node a" },
    { function() wglab.capture(a, "nolink") end, "capture: link 'nolink': node a has no link of that name" },
    { function() a:wg(case.backend, "v0") end, "wg: link 'v0': node a already has a link of that name" },
    { function() a:netem("nolink", { delay = 0.1 }) end, "netem: link 'nolink': node a has no link of that name" },
    { function() a:rate("nolink", 1e6) end, "rate: link 'nolink': node a has no link of that name" },
    { function() a:drop { iif = "nolink", loss = 5 } end, "drop: link 'nolink': node a has no link of that name" },
    { function() a:ping("8.8.8.8", { timeout = 0.2 }) end,
      "ping: dst '8.8.8.8': outside the allowed ranges" },
    { function() a:ping("198.18.0.0/24") end, "ping: dst '198.18.0.0/24': an address, not a prefix" },
    { function() wglab.router {} end, "bad argument #1 to 'router' (string expected, got table)" },
    { function() wglab.pair { backends = { case.backend, case.backend }, capture = "b" } end,
      "field 'capture': table {a = FILE, b = FILE} expected, got string" },
    { function() wglab.pair { backends = { case.backend, case.backend }, capture = { c = "x.pcap" } } end,
      "field 'capture': key 'c': only a and b" },
    { function() wglab.pair { backends = { case.backend, case.backend }, capture = { b = "x/y.pcap" } } end,
      "field 'capture': b: a plain file name expected" },
    { function() wglab.pair { backends = { case.backend, case.backend }, count = 2,
                              capture = { b = "x.pcap" } } end,
      "field 'capture': one pair at a time (count = 2)" },
  }
  if okw then
    local more = {
      { function() w:set { private_key = "xx" } end,
        "wg:set: field 'private_key': not a base64 WireGuard key: 'xx'" },
      { function() w:set { peers = { { public_key = pub, allowed_ips = { "198.18.0.0/99" } } } } end,
        "wg:set: field 'allowed_ips': '198.18.0.0/99' is not an address/prefix" },
      { function() w:set { peers = { { public_key = pub, endpoint = "8.8.8.8:51820" } } } end,
        "wg:set: field 'endpoint': '8.8.8.8:51820' is outside the allowed ranges" },
      { function() w:set { peers = { { public_key = pub, endpoint = "[2001:db8::1]:51820" } } } end,
        "wg:set: field 'endpoint': '[2001:db8::1]:51820' is outside the allowed ranges" },
      { function() w:set { peers = { { endpoint = "198.18.0.2:51820" } } } end,
        "wg:set: field 'public_key': every peer needs one" },
    }
    for _, r in ipairs(more) do rows[#rows + 1] = r end
  else
    log("no " .. case.backend .. " device (" .. tostring(w) .. "): wg:set rows left out")
  end
  for i, r in ipairs(rows) do
    local ok, err = pcall(r[1])
    err = tostring(err):gsub("^[^:]*:%d+: ", "") -- the script's file:line
    check("row " .. i .. " raises", not ok, ok and "no error" or nil)
    if not ok then
      check("row " .. i .. ": " .. r[2], err:find(r[2], 1, true) ~= nil and err:find(plain) ~= nil, err)
    end
  end
  -- Valid calls of the same bindings still work (the checks are not just refusals).
  a:addr("v0", "198.18.0.2/24")
  a:addr_del("v0", "198.18.0.2/24")
  a:route("198.19.3.0/24", "198.18.1.2", "u0")
  check("valid calls after the errors", true)
end
