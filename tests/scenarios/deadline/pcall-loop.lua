-- A hostile script: catches every error, including the deadline's, and
-- loops. The case must still end at its deadline with an error verdict.
scenario {
  name = "pcall-loop",
  description = "catches the timeout error with pcall in a loop",
  topology = "single",
  families = { "ipv4" },
}

function run(case)
  local caught = 0
  while true do
    local ok = pcall(function() while true do end end)
    if not ok then caught = caught + 1 end
    ok = pcall(wglab.sleep, 0.2)
    local co = coroutine.create(function() while true do end end)
    coroutine.resume(co)
    xpcall(function() while true do end end, function(e) return e end)
  end
end
