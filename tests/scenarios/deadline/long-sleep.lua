-- wglab.sleep(60) under a short --timeout: the wait is clamped to the
-- deadline and the case ends there with an error verdict, never a pass.
scenario {
  name = "long-sleep",
  description = "sleeps far past the case's deadline",
  topology = "single",
  families = { "ipv4" },
}

function run(case)
  wglab.sleep(60)
  check("slept", true)
end
