-- os.exit inside a case is an error verdict for that case, not the end of
-- wglab: the other families' cases still run and result.json is written.
scenario {
  name = "os-exit",
  description = "calls os.exit in its first case",
  topology = "single",
  families = { "ipv4", "ipv6" },
}

function run(case)
  if case.family == "ipv4" then os.exit(3) end
  check("second case ran", true)
end
