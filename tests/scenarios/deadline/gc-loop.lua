-- A finalizer that loops would run outside the time limit (hooks are off
-- in finalizers): __gc is refused, the case is an error, wglab goes on.
scenario { name = "gc-loop", topology = "single", families = { "ipv4" } }
function run(case)
  setmetatable({}, { __gc = function() while true do end end })
  collectgarbage()
end
