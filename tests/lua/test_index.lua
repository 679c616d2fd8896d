-- The notes index from Neovim and the CLI: tags, find, search, check,
-- freshness after outside edits, completion, exact counts on a generated vault.
local t = require("helpers")
local T = {}

local function open_note(child, vault, rel)
  child:cmd("edit " .. vim.fn.fnameescape(vault .. "/" .. rel))
end

local function tag_count(list, tag)
  for _, r in ipairs(list) do
    if r.tag == tag then
      return r.count
    end
  end
  return 0
end

T["tags, find and search through the Lua API"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  local err, tags = c:api("tags")
  t.eq(nil, err)
  t.ok(#tags > 5, vim.inspect(tags))
  t.ok(tag_count(tags, "risk") > 0, "#risk is used in the demo")
  t.eq(0, tag_count(tags, "include"), "#include in a code block is not a tag")
  local _, found = c:api("find", { query = "type:client" })
  t.eq(5, #found)
  t.eq("clients/acme-logistics.md", found[1].path)
  t.eq("acme-logistics", found[1].client)
  local ferr = c:api("find", { query = "risk AND (" })
  t.matches("position", ferr)
  local _, hits = c:api("search", { text = "dispatchers" })
  t.ok(#hits > 0)
  t.ok(hits[1].line > 1 and hits[1].snippet:lower():find("dispatchers"), vim.inspect(hits[1]))
end

T["the index follows edits made outside Neovim"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  c:api("tags")
  t.write(vault .. "/notes/new-idea.md", "# Idea\n\nA #brandnew thought about @zoe.\n")
  local ok = vim.wait(3000, function()
    local _, tags = c:api("tags")
    return tag_count(tags, "brandnew") == 1
  end, 50)
  t.ok(ok, "a new file is indexed without a manual reindex")
  vim.fn.rename(vault .. "/notes/new-idea.md", vault .. "/notes/renamed-idea.md")
  ok = vim.wait(3000, function()
    local _, found = c:api("find", { query = "brandnew" })
    return #found == 1 and found[1].path == "notes/renamed-idea.md"
  end, 50)
  t.ok(ok, "a rename is picked up")
  os.remove(vault .. "/notes/renamed-idea.md")
  ok = vim.wait(3000, function()
    local _, tags = c:api("tags")
    return tag_count(tags, "brandnew") == 0
  end, 50)
  t.ok(ok, "a delete is picked up")
end

T["a save in Neovim is indexed before the next answer; completion cache follows"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "notes/welcome.md")
  c:api("tags")
  c:lua([[vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "Saved with #justsaved by @quinn." })]])
  c:cmd("write")
  local _, tags = c:api("tags")
  t.eq(1, tag_count(tags, "justsaved"))
  c:wait(("local cache = require('rapport.client').cache[%q] "
    .. "return cache and vim.tbl_contains(cache.tags, 'justsaved')"):format(vault))
  local people = c:lua(("return require('rapport.client').cache[%q].people"):format(vault))
  t.ok(vim.tbl_contains(people, "quinn"))
  -- Omni completion of a tag prefix.
  c:lua([[vim.api.nvim_buf_set_lines(0, -1, -1, false, { "#justs" })
          vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(0), 6 })]])
  local start = c:lua("return require('rapport.complete').omnifunc(1, '')")
  t.eq(0, start)
  local items = c:lua("return require('rapport.complete').omnifunc(0, '#justs')")
  t.eq("#justsaved", items[1].word)
end

T[":Rapport find fills the quickfix list; :Rapport check lists problems"] = function()
  local vault = t.vault()
  t.write(vault .. "/notes/broken.md", "---\ntags: [a, b\n---\n# Broken\n")
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  c:lua("vim.ui.select = function(items, opts, cb) _G.__picked = items end")
  c:cmd("Rapport find type:client")
  c:wait("return _G.__picked")
  local qf = c:lua("return vim.fn.getqflist({ title = 1, size = 1 })")
  t.eq(5, qf.size)
  c:cmd("Rapport check")
  c:wait("return vim.fn.getqflist({ title = 1 }).title == 'rapport check'")
  local items = c:lua("return vim.tbl_map(function(i) return vim.fn.bufname(i.bufnr) .. ':' .. i.text end, vim.fn.getqflist())")
  local joined = table.concat(items, "\n")
  t.matches("broken%.md", joined)
end

T["two Neovims on one vault share the database"] = function()
  local vault = t.vault()
  local state = t.tmpdir("shared-state")
  local a = t.child({ cwd = vault, state = state })
  local b = t.child({ cwd = vault, state = state })
  open_note(a, vault, "clients/acme-logistics.md")
  open_note(b, vault, "clients/ember-foods.md")
  local _, sa = a:api("status")
  local _, sb = b:api("status")
  t.eq(sa.database, sb.database)
  t.ok(sa.pid ~= sb.pid)
  -- One writes (tag add through its buffer, then saves); the other sees it.
  a:api("tag_add", { tags = { "shared-one" } })
  a:cmd("write")
  local ok = vim.wait(5000, function()
    local _, tags = b:api("tags")
    return tag_count(tags, "shared-one") == 1
  end, 50)
  t.ok(ok, "the second helper sees the first one's change")
end

T["CLI: tag counts of a generated vault equal an independent count"] = function()
  local dir = t.tmpdir("gen")
  local gen = t.root .. "/build/gen"
  vim.fn.system({ gen, dir .. "/v", "300", "7" })
  t.eq(0, vim.v.shell_error, "generator")
  local out, code = t.cli({ "--vault", dir .. "/v", "--db", dir .. "/db.sqlite3", "tags", "--json" })
  t.eq(0, code, out)
  local got = {}
  for _, r in ipairs(vim.json.decode(out)) do
    got[r.tag] = r.count
  end
  local want = {}
  for line in io.lines(dir .. "/v/.expected-tags.tsv") do
    local tag, n = line:match("^(.-)\t(%d+)$")
    want[tag] = tonumber(n)
  end
  t.eq(want, got)
end

T["CLI: find with boolean queries and errors"] = function()
  local vault, state = t.vault()
  local db = state .. "/db.sqlite3"
  local function find(q)
    local out, code = t.cli({ "--vault", vault, "--db", db, "--json", "find", q })
    return code == 0 and vim.json.decode(out) or out, code
  end
  local clients = find("type:client")
  t.eq(5, #clients)
  local not_acme = find("type:client -client:acme-logistics")
  t.eq(4, #not_acme)
  local either = find("client:acme-logistics OR client:ember-foods")
  local none = find("client:acme-logistics client:ember-foods")
  t.eq(0, #none)
  t.ok(#either >= 2)
  local _, code = find("(risk")
  t.eq(1, code)
  local msg = vim.fn.system({ t.bin, "--vault", vault, "--db", db, "find", "risk OR" })
  t.matches("^rapport: find: bad query: .*position", msg)
end

return T
