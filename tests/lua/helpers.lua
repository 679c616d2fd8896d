-- Test helpers: assertions, temporary vaults and child Neovims driven over
-- msgpack-rpc (each child runs the real plugin and the real helper).
local M = {}

M.root = os.getenv("RAPPORT_ROOT")
M.nvim = os.getenv("RAPPORT_TEST_NVIM") or "nvim"
M.bin = (os.getenv("RAPPORT_BIN") or "") ~= "" and os.getenv("RAPPORT_BIN") or M.root .. "/bin/rapport"
local children = {}
local counter = 0

function M.eq(expected, actual, msg)
  if not vim.deep_equal(expected, actual) then
    error(("%sexpected %s, got %s"):format(msg and (msg .. ": ") or "", vim.inspect(expected),
      vim.inspect(actual)), 2)
  end
end

function M.ok(v, msg)
  if not v then
    error(msg or "expected a true value", 2)
  end
  return v
end

function M.matches(pattern, s, msg)
  if type(s) ~= "string" or not s:find(pattern) then
    error(("%sexpected %q to match %q"):format(msg and (msg .. ": ") or "", tostring(s), pattern), 2)
  end
end

-- A fresh directory under tests/tmp/run-<pid of this test run>.
function M.tmpdir(name)
  counter = counter + 1
  local dir = ("%s/tests/tmp/run-%d/%s-%d"):format(M.root, vim.fn.getpid(), name or "t", counter)
  vim.fn.delete(dir, "rf")
  vim.fn.mkdir(dir, "p")
  return dir
end

-- A copy of the demo vault (or an empty vault) and a database path for it.
function M.vault(opts)
  opts = opts or {}
  local dir = M.tmpdir(opts.name or "vault")
  local v = dir .. "/vault"
  if opts.empty then
    vim.fn.mkdir(v .. "/.rapport", "p")
  else
    vim.fn.system({ "cp", "-R", M.root .. "/demo", v })
    assert(vim.v.shell_error == 0, "cannot copy the demo vault")
  end
  vim.fn.mkdir(dir .. "/state", "p")
  return vim.loop.fs_realpath(v), dir .. "/state"
end

function M.write(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.read(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("*a")
  f:close()
  return s
end

-- Runs the CLI; returns stdout, exit code.
function M.cli(args, input)
  local cmd = { M.bin }
  vim.list_extend(cmd, args)
  local out = vim.fn.system(cmd, input)
  return out, vim.v.shell_error
end

local Child = {}
Child.__index = Child

-- A child Neovim with the plugin loaded; opts.state is its XDG_STATE_HOME,
-- opts.cwd its working directory.
function M.child(opts)
  opts = opts or {}
  local state = opts.state or M.tmpdir("state")
  local chan = vim.fn.jobstart({ M.nvim, "--embed", "--headless", "-i", "NONE", "-n",
    "-u", M.root .. "/tests/lua/minimal_init.lua" }, {
    rpc = true,
    cwd = opts.cwd,
    env = { RAPPORT_ROOT = M.root, XDG_STATE_HOME = state, RAPPORT_TODAY = opts.today or "2026-11-23" },
  })
  assert(chan > 0, "cannot start " .. M.nvim)
  local c = setmetatable({ chan = chan }, Child)
  table.insert(children, c)
  return c
end

function Child:lua(code, ...)
  return vim.rpcrequest(self.chan, "nvim_exec_lua", code, { ... })
end

function Child:cmd(cmd)
  return vim.rpcrequest(self.chan, "nvim_command", cmd)
end

-- Waits until `code` (Lua run in the child) returns a truthy value; returns it.
function Child:wait(code, timeout, msg)
  local v
  local ok = vim.wait(timeout or 5000, function()
    v = self:lua(code)
    return v ~= nil and v ~= false and v ~= vim.NIL
  end, 10)
  if not ok then
    error("timed out waiting for: " .. (msg or code), 2)
  end
  return v
end

-- Runs require("rapport").<api>(args, cb) in the child and waits for cb.
function Child:api(api, args, timeout)
  self:lua([[
    _G.__r = nil
    require("rapport")[...](select(2, ...), function(err, res) _G.__r = { err = err or false, res = res } end)
  ]], api, args or vim.empty_dict())
  local r = self:wait("return _G.__r", timeout, "api " .. api)
  return r.err ~= false and r.err or nil, r.res
end

-- Messages shown with vim.notify in the child (captured from the start).
function Child:capture_notify()
  self:lua([[
    _G.__notes = {}
    vim.notify = function(msg, level) table.insert(_G.__notes, { msg = msg, level = level }) end
  ]])
end

function Child:notes()
  return self:lua("return _G.__notes")
end

function M.cleanup()
  for _, c in ipairs(children) do
    pcall(vim.fn.jobstop, c.chan)
  end
  children = {}
end

return M
