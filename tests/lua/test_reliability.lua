-- Security and reliability properties of the helper (issue 8): paths stay
-- inside the vault, private files, no network, no shell, SQL from literals
-- only, hostile file names in the CLI's output.
local t = require("helpers")
local T = {}

local function open_note(child, vault, rel)
  child:cmd("edit " .. vim.fn.fnameescape(vault .. "/" .. rel))
end

-- rpc straight to the helper (no plugin-side checks in between).
local function rpc(child, vault, method, params)
  return child:lua([[
    local ok, res = pcall(require("rapport.client").request_sync, ...)
    if ok then return { ok = true, res = res } end
    return { ok = false, err = tostring(res) }
  ]], vault, method, params)
end

local function mode(path)
  local st = vim.loop.fs_stat(path)
  return st and string.format("%o", st.mode % 512) or "missing"
end

T["rpc paths are confined to the vault; absolute paths inside it work"] = function()
  local vault = t.vault()
  local outside = vim.fn.fnamemodify(vault, ":h") .. "/outside" -- beside the vault
  vim.fn.mkdir(outside, "p")
  t.write(outside .. "/secret.md", "---\ntags: [a]\n---\n# Secret\n")
  vim.loop.fs_symlink(outside .. "/secret.md", vault .. "/notes/link-out.md")
  vim.loop.fs_symlink(outside, vault .. "/notes/dir-out")
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  c:api("status")
  local bad = {
    "../outside/secret.md",
    "notes/../../outside/secret.md",
    outside .. "/secret.md",
    "notes/link-out.md",
    "notes/dir-out/secret.md",
    "/etc/passwd",
  }
  for _, p in ipairs(bad) do
    for _, call in ipairs({
      { "tag_add", { path = p, tags = { "x" } } },
      { "tag_remove", { path = p, tags = { "a" } } },
      { "cap", { path = p } },
      { "hints", { path = p } },
      { "index_file", { path = p } },
      { "note", { path = p } },
    }) do
      local r = rpc(c, vault, call[1], call[2])
      t.eq(false, r.ok, call[1] .. " " .. p)
      t.matches("outside the vault", r.err, call[1] .. " " .. p)
    end
  end
  t.eq("---\ntags: [a]\n---\n# Secret\n", t.read(outside .. "/secret.md"))
  -- An absolute path inside the vault is accepted (SPEC revision of #8).
  local r = rpc(c, vault, "tag_add", { path = vault .. "/notes/pricing-playbook.md", tags = { "inside" } })
  t.ok(r.ok, r.err)
  t.matches("inside", t.read(vault .. "/notes/pricing-playbook.md"))
  -- Names that try to climb out become plain names inside the vault.
  r = rpc(c, vault, "new_client", { name = "../../Evil Corp" })
  t.ok(r.ok, r.err)
  t.eq("clients/evil-corp.md", r.res.path)
  t.ok(vim.loop.fs_stat(vault .. "/clients/evil-corp.md"), "created inside")
  r = rpc(c, vault, "capture", { client = "../../outside", text = "x" })
  t.ok(r.ok, r.err)
  t.eq("meetings/2026-11-23-outside.md", r.res.path) -- a client id is never a path
  t.ok(vim.loop.fs_stat(vault .. "/" .. r.res.path), "created inside")
end

T["the database, its WAL and the state directory are private"] = function()
  local vault, state = t.vault()
  local c = t.child({ cwd = vault, state = state })
  open_note(c, vault, "clients/acme-logistics.md")
  local _, st = c:api("status")
  t.eq("700", mode(state .. "/rapport"))
  t.matches("^" .. vim.pesc(state .. "/rapport/"), st.database)
  t.eq("600", mode(st.database))
  c:api("tags")
  for _, sfx in ipairs({ "-wal", "-shm", ".lock" }) do
    local m = mode(st.database .. sfx)
    t.ok(m == "600" or m == "missing", sfx .. " " .. m)
  end
  t.eq("600", mode(st.database .. "-wal"))
end

-- Every socket the helper holds must be a Unix-domain one (its pipe to
-- Neovim may be a socketpair): none may be TCP or UDP.
T["the helper opens no network sockets"] = function()
  if vim.fn.isdirectory("/proc/self/fd") == 0 then
    return
  end
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  local _, st = c:api("status")
  c:api("health")
  c:api("prep", { client = "acme-logistics" })
  local unix = t.read("/proc/net/unix") or ""
  local fds = vim.fn.readdir("/proc/" .. st.pid .. "/fd")
  local sockets = 0
  for _, fd in ipairs(fds) do
    local target = vim.loop.fs_readlink("/proc/" .. st.pid .. "/fd/" .. fd) or ""
    local inode = target:match("^socket:%[(%d+)%]$")
    if inode then
      sockets = sockets + 1
      t.ok(unix:find(" " .. inode .. " ", 1, true) or unix:find(" " .. inode .. "\n", 1, true),
        "fd " .. fd .. " is socket " .. inode .. ", not a Unix one")
    end
  end
  for _, f in ipairs({ "/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp", "/proc/net/udp6" }) do
    local text = t.read(f) or ""
    for _, fd in ipairs(fds) do
      local inode = (vim.loop.fs_readlink("/proc/" .. st.pid .. "/fd/" .. fd) or ""):match("^socket:%[(%d+)%]$")
      if inode then
        t.ok(not text:find(" " .. inode .. " ", 1, true), "socket " .. inode .. " is in " .. f)
      end
    end
  end
  t.ok(sockets <= 3, "only stdin, stdout and stderr to Neovim: " .. sockets)
end

-- The helper's source: no shell or process spawning, no sockets, and SQL
-- only as literal text (values always bound as parameters).
T["source: no shell, no sockets, SQL only from literals"] = function()
  local forbidden = {
    "system", "popen", "execl", "execlp", "execle", "execv", "execvp", "execvpe", "posix_spawn",
    "posix_spawnp", "fork", "socket", "connect", "listen", "accept", "getaddrinfo",
    "sqlite3_mprintf", "sqlite3_vmprintf", "sqlite3_snprintf",
  }
  local files = vim.fn.glob(t.root .. "/src/*.c", false, true)
  t.ok(#files > 10)
  for _, f in ipairs(files) do
    local n = 0
    for line in io.lines(f) do
      n = n + 1
      local code = line:gsub("/%*.-%*/", ""):gsub("//.*", ""):gsub('"[^"]*"', '""')
      for _, fn in ipairs(forbidden) do
        t.ok(not code:find("%f[%w_]" .. fn .. "%s*%("), ("%s:%d calls %s"):format(f, n, fn))
      end
      -- sqlite3_exec / prepare take a literal or the statement table.
      for arg in line:gmatch("sqlite3_exec%(%s*[%w_>%-]+,%s*([^,]+),") do
        t.ok(arg:match('^"') or arg == "q", ("%s:%d: sqlite3_exec of %s"):format(f, n, arg))
      end
      for arg in line:gmatch("sqlite3_prepare_v[23]%(%s*[%w_>%-]+,%s*([^,]+),") do
        t.ok(arg:match('^"') or arg == "sql[id]", ("%s:%d: prepare of %s"):format(f, n, arg))
      end
      for arg in line:gmatch("%f[%w_]exec%(%s*s,%s*([^,]+),") do
        t.ok(arg:match('^"') or arg:match("^migrations%[") or arg:match("^%(s%->flags"),
          ("%s:%d: exec of %s"):format(f, n, arg))
      end
    end
  end
end

T["CLI: hostile file names are indexed and shown one per line"] = function()
  local vault, state = t.vault({ empty = true })
  t.write(vault .. "/new\nline.md", "# N\n\n#odd\n")
  t.write(vault .. "/with space.md", "# S\n\n#odd\n")
  t.write(vault .. "/ünï/日本語.md", "# U\n\n#odd\n")
  t.write(vault .. "/-dash.md", "# D\n\n#odd\n")
  local out, code = t.cli({ "--vault", vault, "--db", state .. "/db", "find", "odd" })
  t.eq(0, code, out)
  t.eq('-dash.md\n"new\\nline.md"\nwith space.md\nünï/日本語.md\n', out)
  local js = vim.json.decode((t.cli({ "--vault", vault, "--db", state .. "/db", "find", "odd", "--json" })))
  t.eq("new\nline.md", js[2].path)
  -- After `--`, words are arguments, not flags.
  out, code = t.cli({ "--vault", vault, "--db", state .. "/db", "tag", "add", "--", vault .. "/-dash.md", "x" })
  t.eq(0, code, out)
  t.matches("tags: %[x%]", t.read(vault .. "/-dash.md"))
end

return T
