-- Runs every tests/lua/test_*.lua (or $RAPPORT_TEST_FILTER matches) in this
-- headless Neovim. Each file returns { ["case name"] = function() ... end };
-- cases drive child Neovims (tests/lua/helpers.lua) against the real helper.
local root = os.getenv("RAPPORT_ROOT")
package.path = root .. "/tests/lua/?.lua;" .. package.path
local filter = os.getenv("RAPPORT_TEST_FILTER")
-- Vaults and state of earlier runs go; those of a run still going (another
-- `make test` on the same tree) stay: each run has tests/tmp/run-<pid>.
vim.fn.mkdir(root .. "/tests/tmp", "p")
for _, name in ipairs(vim.fn.readdir(root .. "/tests/tmp")) do
  local pid = tonumber(name:match("^run%-(%d+)$") or "")
  if not pid or (pid ~= vim.fn.getpid() and vim.loop.kill(pid, 0) ~= 0) then
    vim.fn.delete(root .. "/tests/tmp/" .. name, "rf")
  end
end
local out = io.stdout
local passed, failed = 0, 0

local files = vim.fn.glob(root .. "/tests/lua/test_*.lua", false, true)
table.sort(files)
for _, file in ipairs(files) do
  local ok, cases = pcall(dofile, file)
  if not ok then
    out:write(("FAIL %s: cannot load: %s\n"):format(file, cases))
    failed = failed + 1
  else
    local names = vim.tbl_keys(cases)
    table.sort(names)
    for _, name in ipairs(names) do
      local full = vim.fn.fnamemodify(file, ":t:r") .. ": " .. name
      if not filter or full:find(filter, 1, true) then
        local t0 = vim.loop.hrtime()
        local cok, err = xpcall(cases[name], debug.traceback)
        require("helpers").cleanup()
        local ms = (vim.loop.hrtime() - t0) / 1e6
        if cok then
          passed = passed + 1
          out:write(("ok   %s (%.0f ms)\n"):format(full, ms))
        else
          failed = failed + 1
          out:write(("FAIL %s\n%s\n"):format(full, tostring(err):gsub("\n", "\n     ")))
        end
      end
    end
  end
end
out:write(("%d passed, %d failed\n"):format(passed, failed))
out:flush()
vim.cmd((failed == 0 and "qall!" or "cquit 1"))
