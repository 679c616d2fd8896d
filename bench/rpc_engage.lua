-- health, prep, hints and capture over rpc from a watching helper on a
-- generated vault; baseline: hello round trips in the same run.
local vault, db = os.getenv("VAULT"), os.getenv("DB")
local out = io.stdout
local lib = dofile(os.getenv("RAPPORT_ROOT") .. "/bench/lib.lua")
local pct = lib.pct

local req, chan = lib.helper(vault, db)
req("index")
local function bench(name, n, fn)
  local t, res = lib.times(n, fn)
  out:write(("  %-46s n=%-4d p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n"):format(name, n, pct(t, 0.5) / 1e6,
    pct(t, 0.99) / 1e6, pct(t, 1) / 1e6))
  return res
end
bench("hello (baseline)", 200, function() return req("hello") end)
bench("health, first call (fills the rule cache)", 1, function() return req("health") end)
local rows = bench("health, 200 clients with trend", 20, function() return req("health") end)
out:write(("    (%d active clients)\n"):format(#rows))
-- The client with the most meetings.
local best, most = nil, -1
for _, r in ipairs(rows) do
  local n = #req("find", { query = "type:meeting client:" .. r.client })
  if n > most then
    best, most = r.client, n
  end
end
bench(("prep %s (%d meetings), with markdown"):format(best, most), 20, function()
  return req("prep", { client = best, markdown = true })
end)
-- hints: the helper's time for a 1,000-line note (text sent with the request).
local lines = {}
local f = io.open(vault .. "/clients/" .. best .. ".md")
local head = f:read("*a")
f:close()
for l in head:gmatch("[^\n]*\n") do
  table.insert(lines, l)
end
local body = {}
while #body < 1000 do
  for _, l in ipairs(lines) do
    table.insert(body, l)
    if #body >= 1000 then
      break
    end
  end
  table.insert(body, "We need to hit our numbers before the quarter ends, so our team must push them.\n")
end
local text = table.concat(body)
bench("hints, 1,000-line note (request incl. transfer)", 50, function()
  return req("hints", { path = "clients/" .. best .. ".md", text = text })
end)
bench("capture one line, durable", 200, function(i)
  return req("capture", { client = best, text = "bench line " .. i .. " #bench" })
end)
local pid = vim.fn.jobpid(chan)
local status = io.open("/proc/" .. pid .. "/status"):read("*a")
out:write(("  helper RSS: %s (peak %s)\n"):format(status:match("VmRSS:%s*(%d+ kB)"), status:match("VmHWM:%s*(%d+ kB)")))
vim.fn.jobstop(chan)
vim.cmd("qall!")
