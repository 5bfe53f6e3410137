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
