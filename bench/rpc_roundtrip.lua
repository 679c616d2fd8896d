-- rapport.hello round trips from Lua: synchronous rpcrequest (the floor of
-- any request) and the non-blocking rapport.request -> on_reply pattern.
-- Baseline in the same run: nvim_get_api_info-free round trip to a child
-- Neovim (another msgpack peer) for the same count.
local root = os.getenv("RAPPORT_ROOT")
local N = tonumber(os.getenv("N") or "10000")
local uv = vim.uv or vim.loop
local out = io.stdout

local function pct(t, p)
  table.sort(t)
  return t[math.max(1, math.floor(#t * p))]
end

local function report(name, times)
  out:write(("%-34s n=%d  p50 %6.1f us  p99 %6.1f us\n"):format(name, #times, pct(times, 0.5) / 1e3,
    pct(times, 0.99) / 1e3))
end

local vault = root .. "/demo"
local chan = vim.fn.jobstart({ root .. "/bin/rapport", "rpc", "--vault", vault, "--db",
  vim.fn.tempname() .. ".db" }, { rpc = true })
local t = {}
for i = 1, N do
  local t0 = uv.hrtime()
  vim.rpcrequest(chan, "rapport.hello", vim.empty_dict())
  t[i] = uv.hrtime() - t0
end
report("rapport.hello rpcrequest", t)

-- Async pattern through the plugin's client.
package.loaded["rapport.client"] = nil
local client = require("rapport.client")
vim.env.RAPPORT_DB = vim.fn.tempname() .. ".db"
client.get(vault)
local times, done = {}, 0
local i = 0
local function one()
  i = i + 1
  local t0 = uv.hrtime()
  client.request(vault, "hello", {}, function()
    times[#times + 1] = uv.hrtime() - t0
    done = done + 1
  end)
end
for _ = 1, N do
  one()
  vim.wait(1000, function() return done == i end, 0)
end
report("rapport.hello async (on_reply)", times)

-- Baseline: the same round trip to a child Neovim's built-in API.
local nv = vim.fn.jobstart({ vim.v.progpath, "--embed", "--headless", "-u", "NONE", "-i", "NONE", "-n" }, { rpc = true })
t = {}
for k = 1, N do
  local t0 = uv.hrtime()
  vim.rpcrequest(nv, "nvim_get_mode")
  t[k] = uv.hrtime() - t0
end
report("baseline: child nvim_get_mode", t)
vim.fn.jobstop(nv)
client.stop_all()
vim.fn.jobstop(chan)
vim.cmd("qall!")
