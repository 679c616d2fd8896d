-- Shared pieces of the Lua benchmarks: percentiles, a helper over rpc,
-- timed loops. Loaded with dofile(RAPPORT_ROOT .. "/bench/lib.lua").
local M = {}

M.uv = vim.uv or vim.loop

-- The p-th percentile (0..1) of a list of numbers (the list is not changed).
function M.pct(t, p)
  local s = vim.deepcopy(t)
  table.sort(s)
  return s[math.max(1, math.ceil(#s * p))]
end

-- Starts `rapport rpc` on vault/db; returns req(method, params) that quits
-- Neovim with an error (rather than hanging) when a request fails, and the
-- channel.
function M.helper(vault, db)
  local args = { os.getenv("RAPPORT_ROOT") .. "/bin/rapport", "rpc", "--vault", vault }
  if db then
    vim.list_extend(args, { "--db", db })
  end
  local chan = vim.fn.jobstart(args, { rpc = true })
  local function req(m, p)
    local ok, res = pcall(vim.rpcrequest, chan, "rapport." .. m, p or vim.empty_dict())
    if not ok then
      io.stderr:write("rapport." .. m .. " failed: " .. tostring(res) .. "\n")
      vim.cmd("cquit 1")
    end
    return res
  end
  return req, chan
end

-- Runs fn(i) n times; returns the times (ns) and the last result.
function M.times(n, fn)
  local t, res = {}, nil
  for i = 1, n do
    local t0 = M.uv.hrtime()
    res = fn(i)
    t[i] = M.uv.hrtime() - t0
  end
  return t, res
end

return M
