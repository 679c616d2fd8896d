-- The foundation: helper start, status, restart after SIGKILL, setup()
-- validation, completion, checkhealth, hostile bytes on the helper's stdin.
local t = require("helpers")
local T = {}

local function open_note(child, vault, rel)
  child:cmd("edit " .. vim.fn.fnameescape(vault .. "/" .. rel))
end

T["helper starts lazily on a vault note and answers status"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  t.eq(0, c:lua("return vim.tbl_count(require('rapport.client').helpers())"), "no helper at startup")
  open_note(c, vault, "clients/acme.md")
  local err, st = c:api("status")
  t.eq(nil, err)
  t.eq(vault, st.vault)
  t.ok(st.pid > 0)
  t.matches("^%d+%.%d+%.%d+$", st.version)
  c:capture_notify()
  c:cmd("Rapport status")
  local notes = c:wait("return #_G.__notes > 0 and _G.__notes")
  t.matches("pid " .. st.pid, notes[1].msg)
end

T["no helper for markdown outside a vault; commands say how to make one"] = function()
  local dir = t.tmpdir("novault")
  t.write(dir .. "/x.md", "# hi\n")
  local c = t.child({ cwd = dir })
  c:cmd("edit " .. dir .. "/x.md")
  t.eq(0, c:lua("return vim.tbl_count(require('rapport.client').helpers())"))
  c:capture_notify()
  c:cmd("Rapport tags")
  local notes = c:wait("return #_G.__notes > 0 and _G.__notes")
  t.matches("Rapport init", notes[1].msg)
end

T["SIGKILL: the next command restarts the helper"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  c:capture_notify()
  open_note(c, vault, "clients/acme.md")
  local _, st = c:api("status")
  vim.loop.kill(st.pid, "sigkill")
  c:wait(("local h = require('rapport.client').helper(%q) return h and h.chan == nil"):format(vault),
    5000, "helper marked dead")
  local err, st2 = c:api("status")
  t.eq(nil, err)
  t.ok(st2.pid ~= st.pid, "a new helper")
  local notes = c:notes()
  t.matches("exited", notes[1] and notes[1].msg, "the death is reported once")
end

T["the helper is a full peer: it sends requests to Neovim and uses the answers"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  local err = c:lua([[
    local done
    require("rapport.client").request(vim.b.rapport_vault, "peer", {}, function(e, r) done = { e or false, r } end)
    vim.wait(3000, function() return done ~= nil end, 5)
    return done
  ]])[1]
  t.eq(false, err)
  local res = c:lua([[return require("rapport.client").request_sync(vim.b.rapport_vault, "peer")]])
  t.eq(c:lua("return require('rapport.client').helper(vim.b.rapport_vault).chan"), res.channel)
  t.ok(res.api_level >= 9)
end

T["setup() validates options and names the bad one"] = function()
  local c = t.child()
  local ok, err = unpack(c:lua([[
    local ok, err = pcall(require("rapport").setup, { priority_cap = "three" })
    return { ok, err }
  ]]))
  t.eq(false, ok)
  t.matches("priority_cap", err)
  ok, err = unpack(c:lua([[ return { pcall(require("rapport").setup, { nope = 1 }) } ]]))
  t.eq(false, ok)
  t.matches("unknown option 'nope'", err)
  t.eq(true, c:lua([[ return pcall(require("rapport").setup, { team = { "sam" } }) ]]))
end

T[":Rapport completes subcommands"] = function()
  local c = t.child()
  local subs = c:lua([[ return vim.fn.getcompletion("Rapport ", "cmdline") ]])
  t.ok(vim.tbl_contains(subs, "tags"), vim.inspect(subs))
  t.ok(vim.tbl_contains(subs, "status"))
  t.eq({ "search", "status" }, c:lua([[ return vim.fn.getcompletion("Rapport s", "cmdline") ]]))
end

T["checkhealth rapport reports the binary and version"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme.md")
  c:api("status")
  c:cmd("checkhealth rapport")
  local text = c:lua("return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\\n')")
  t.matches("helper binary", text)
  t.matches("protocol 1", text)
  t.matches("helper running", text)
  t.matches("calls back into Neovim %(channel %d+", text)
  t.ok(not text:find("ERROR"), text)
end

T["hostile bytes on stdin: a clean exit with a message, never a crash"] = function()
  math.randomseed(42)
  local dir = t.tmpdir("hostile")
  local function run(bytes)
    t.write(dir .. "/in", bytes)
    -- Once through a pipe (libuv stream) and once as a regular file on stdin.
    for _, redir in ipairs({ "cat %s/in | %s rpc --vault %s --db %s/x.db", "%s rpc --vault %s --db %s/x.db < %s/in" }) do
      local cmd = redir:find("^cat") and redir:format(dir, t.bin, t.root .. "/demo", dir)
        or redir:format(t.bin, t.root .. "/demo", dir, dir)
      vim.fn.system({ "sh", "-c", cmd .. " >/dev/null 2>&1; echo $?" })
      local code = tonumber(vim.fn.system({ "sh", "-c", cmd .. " >/dev/null 2>&1; echo $?" }))
      t.ok(code == 0 or code == 1, "exit code " .. tostring(code) .. " for " .. cmd)
    end
  end
  for _ = 1, 10 do
    local bytes = {}
    for i = 1, math.random(1, 4000) do
      bytes[i] = string.char(math.random(0, 255))
    end
    run(table.concat(bytes))
  end
  -- An array header claiming 2^27 elements, then EOF: no allocation, no crash.
  run("\221\8\0\0\0")
  -- A string header claiming 4 GiB.
  run("\147\0\1\219\255\255\255\255")
end

return T
