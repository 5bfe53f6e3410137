-- The scenario API fuzzed from inside a case: each iteration calls a random
-- wglab function or object method with random arguments (every Lua type,
-- edge numbers, wrong objects, tables of random fields) under pcall. wglab
-- must survive every call (a crash or a sanitizer report ends the run
-- without a verdict), and every error must say what was wrong: a string
-- naming the argument ("bad argument #2 to 'ping'"), the field ("field
-- 'timeout'"), the object ("calling 'udp' on bad self", "... is closed") or
-- the function ("echo: ..."). Deterministic for a seed.
scenario {
  name = "fuzz-api",
  description = "random calls of the scenario API with random argument types",
  topology = "single",
  families = { "ipv4" },
  params = {
    seed = { default = 1, min = 0, max = 2147483647 },
    seconds = { default = 3, min = 0.1, max = 600, type = "number" }, -- fuzzing budget
  },
  timeout = 120,
}

local objects = {}      -- userdata of every class, built when root allows
local numbers = { -1, 0, 0.5, 1, 3, 1.5, 2 ^ 31, 2 ^ 53, 1e308, -1e308, 0 / 0, 1 / 0, -1 / 0,
                  math.mininteger, math.maxinteger, -0.0 }
local strings = { "", "eth0", "lo", "wg0", "198.18.0.1", "198.18.0.2:51820", "2001:2::1",
                  "10.0.0.1", "userspace", "kernel", "none", "ipv4", "ipv6", "x.pcap", "../x",
                  "/etc/passwd", "a/../../b", string.rep("A", 300), "\0", "%s%n",
                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "higher", "valid", "stale" }
local fields = { "dst", "server", "client", "port", "udp", "streams", "duration", "count",
                 "interval", "payload", "timeout", "socket", "peer_public_key", "peer_endpoint",
                 "private_key", "psk", "inner_src", "inner_dst", "seq", "counter", "data",
                 "mac1", "mac2", "timestamp", "file", "snaplen", "filter", "type", "max",
                 "delay", "jitter", "loss", "latency", "listen_port", "peers", "public_key",
                 "endpoint", "allowed_ips", "keepalive", "backends", "outer", "inner", "mtu",
                 "visible", "bind", "since", "from", "to", "local_private", "remote_public",
                 "bitrate", "omit", "size", "reverse", "bidir", "remove", "replace_peers" }

local value -- forward: a random value of a random type

local function random_table(depth)
  local t = {}
  for _ = 1, math.random(0, 4) do
    if math.random() < 0.7 then
      t[fields[math.random(#fields)]] = value(depth + 1)
    else
      t[#t + 1] = value(depth + 1)
    end
  end
  return t
end

function value(depth)
  depth = depth or 0
  local r = math.random(10)
  if r == 1 then return nil end
  if r == 2 then return math.random() < 0.5 end
  if r == 3 or r == 4 then return numbers[math.random(#numbers)] end
  if r == 5 or r == 6 then return strings[math.random(#strings)] end
  if r == 7 and depth < 2 then return random_table(depth) end
  if r == 8 and #objects > 0 then return objects[math.random(#objects)] end
  if r == 9 then return function() return value(depth + 1) end end
  -- Small or huge: a valid time in 4..3600 s would let one call wait minutes.
  local ints = { -5, -1, 0, 1, 2, 3, 51820, 65535, 65536, 70000 }
  return ints[math.random(#ints)]
end

-- Every callable of the API: wglab.* (and its sub-tables) and the methods of
-- every class an object was built for. Internal (_-prefixed) ones are left out.
local function api()
  local calls = {}
  local function add(prefix, t)
    for k, v in pairs(t) do
      if type(k) == "string" and k:sub(1, 1) ~= "_" then
        if type(v) == "function" then calls[#calls + 1] = { name = prefix .. k, fn = v }
        elseif type(v) == "table" then add(prefix .. k .. ".", v) end
      end
    end
  end
  add("wglab.", wglab)
  for _, g in ipairs({ "metric", "log", "wait_until", "peer_of", "family_of",
                       "impl_rss_kib" }) do
    calls[#calls + 1] = { name = g, fn = _G[g] }
  end
  for _, o in ipairs(objects) do
    local mt = getmetatable(o)
    if mt and type(mt.__index) == "table" then
      for k, v in pairs(mt.__index) do
        if k ~= "close" then calls[#calls + 1] = { name = "method " .. k, fn = v, method = true } end
      end
    end
  end
  return calls
end

-- What an error must look like: a string that says what was wrong.
local said = { "bad argument #%d+ to '[^']+'", "bad self", "field '[%w_]+'", "is closed",
               "^[%a_][%w_.]*[%(:]", "^out of memory", "case timed out" }

local function names_what(err)
  if type(err) ~= "string" then return false end
  for _, pat in ipairs(said) do
    if err:find(pat) then return true end
  end
  return false
end

local function build_objects()
  local ok, n = pcall(wglab.node, "fz")
  if not ok then log("no node (" .. tostring(n) .. "): methods get wrong objects only"); return end
  objects[#objects + 1] = n
  n:up("lo")
  local _, pub = wglab.genkey()
  local okS, s = pcall(n.udp, n, {})
  if okS then
    objects[#objects + 1] = s
    local okP, p = pcall(wglab.probe, { socket = s, peer_public_key = pub,
                                         peer_endpoint = "198.18.0.2:51820",
                                         inner_src = "198.19.0.1", inner_dst = "198.19.0.2" })
    if okP then objects[#objects + 1] = p end
  end
  local okC, cap = pcall(wglab.capture, n, "lo")
  if okC then objects[#objects + 1] = cap end
end

function run(case)
  math.randomseed(case.seed)
  build_objects()
  local calls = api()
  local n, errors, bad, start = 0, 0, 0, wglab.now()
  while wglab.now() - start < case.seconds do
    local c = calls[math.random(#calls)]
    local args = {}
    local nargs = math.random(0, 5)
    for i = 1, nargs do args[i] = value() end
    if c.method and math.random() < 0.8 and #objects > 0 then
      args[1] = objects[math.random(#objects)]
    end
    local t0 = wglab.now()
    local ok, err = pcall(c.fn, table.unpack(args, 1, nargs))
    if wglab.now() - t0 > 1 then
      log(string.format("slow call (%.1f s): %s", wglab.now() - t0, c.name))
    end
    n = n + 1
    if not ok then
      errors = errors + 1
      if os.getenv("WGLAB_FUZZ_VERBOSE") then log(c.name .. " -> " .. tostring(err)) end
      if not names_what(err) then
        bad = bad + 1
        if bad <= 40 then log(string.format("unclear error from %s: %s", c.name, tostring(err))) end
      end
    end
  end
  log(string.format("fuzz-api: %d calls over %d functions, %d errors, %d unclear (seed %d)",
                    n, #calls, errors, bad, case.seed))
  metric("fuzz calls", "calls", n)
  check("some calls were made", n > 0, n .. " calls")
  check_eq("every error names what was wrong", bad, 0)
end
