-- One blocking call far longer than the case's --timeout, chosen by `call`:
-- each must be cut at the case's deadline (the Lua hook cannot fire inside
-- C), and the case end there with an error verdict, never a pass.
scenario {
  name = "long-call",
  description = "one blocking binding call far past the case's deadline",
  topology = "pair",
  families = { "ipv4" },
  params = {
    call = { default = "iperf", one_of = { "iperf", "iperf_wait", "echo", "ping",
                                           "wait_running", "udp_recv", "probe_recv",
                                           "pair", "capture" } },
  },
}

local long = {}

function long.iperf(net)
  wglab.iperf { client = net.a, server = net.b, dst = net.tunnel[2], duration = 600 }
end

function long.iperf_wait(net)
  wglab.iperf_start { client = net.a, server = net.b, dst = net.tunnel[2], duration = 600 }:wait()
end

function long.echo(net)
  wglab.echo { client = net.a, server = net.b, dst = net.tunnel[2], count = 100000,
               interval = 0.01 }
end

-- Nobody answers: an address on no link.
function long.ping(net)
  net.a:ping("198.19.250.1", { timeout = 600 })
end

-- A veth whose peer stays down never gets IFF_RUNNING.
function long.wait_running(net)
  net.a:veth("lc0", net.b, "lc1")
  net.a:up("lc0")
  net.a:wait_running("lc0", 600)
end

function long.udp_recv(net)
  net.a:udp { bind = net.tunnel[1] }:recv(600)
end

function long.probe_recv(net)
  local _, pub = wglab.genkey()
  local p = wglab.probe { socket = net.a:udp {}, peer_public_key = pub,
                          peer_endpoint = net.underlay[2] .. ":51820" }
  p:recv { timeout = 600 }
end

-- Setup calls, repeated: each one's own timeout is longer than the case.
function long.pair(case)
  while true do wglab.pair { backends = { case.backend_a, case.backend_b } } end
end

function long.capture(net)
  while true do wglab.capture(net.a, "veth0"):stop() end
end

function run(case)
  if case.call == "pair" then return long.pair(case) end
  local net = wglab.pair { backends = { case.backend_a, case.backend_b } }
  long[case.call](net)
  check("the call returned before the deadline", false)
end
