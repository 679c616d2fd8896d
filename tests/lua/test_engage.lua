-- Hints as diagnostics while typing, health dashboard, statusline, tasks,
-- prep brief, capture (durable, into open buffers, failures keep the text),
-- new notes and init — all from a real child Neovim and helper.
local t = require("helpers")
local T = {}

local function open_note(child, vault, rel)
  child:cmd("edit " .. vim.fn.fnameescape(vault .. "/" .. rel))
end

local function diags(child)
  return child:lua([[return vim.tbl_map(function(d) return { d.code, d.lnum, d.severity, d.source } end,
    vim.diagnostic.get(0, { namespace = require("rapport.hints").ns }))]])
end

T["hints appear as diagnostics and follow typing"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/cobalt-retail.md")
  local d = c:wait("local d = vim.diagnostic.get(0, { namespace = require('rapport.hints').ns }) return #d > 0 and d")
  local codes = {}
  for _, x in ipairs(d) do
    codes[x.code] = true
    t.eq("rapport", x.source)
  end
  t.ok(codes["over-cap"], vim.inspect(d))
  -- Type a self-focused, pressured paragraph at the end: a new hint appears.
  local n = c:lua("return vim.api.nvim_buf_line_count(0)")
  c:lua([[vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(0), 0 })]])
  c:lua([[vim.api.nvim_feedkeys("o\rWe need to hit our numbers, so we must close this deal before the quarter ends.\27",
    "n", false)]])
  local found = c:wait(([[for _, x in ipairs(vim.diagnostic.get(0, { namespace = require('rapport.hints').ns })) do
      if x.code == "urgency" and x.lnum >= %d then return x end end]]):format(n))
  t.eq(vim.diagnostic.severity.WARN, found.severity)
  -- Off clears them; on brings them back.
  c:cmd("Rapport hints off")
  t.eq({}, diags(c))
  c:cmd("Rapport hints on")
  c:wait("return #vim.diagnostic.get(0, { namespace = require('rapport.hints').ns }) > 0")
  t.matches("W%d", c:wait("local s = require('rapport').statusline() return s ~= '' and s"))
end

T["hints after many edits equal a fresh judgement of the whole text (line deltas)"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "meetings/2026-10-20-cobalt-retail.md")
  c:wait("return #vim.diagnostic.get(0, { namespace = require('rapport.hints').ns }) > 0")
  c:lua([[
    local client = require("rapport.client")
    local request = client.request
    _G.__deltas = 0
    client.request = function(v, m, p, cb)
      if m == "hints" and p.lines then _G.__deltas = _G.__deltas + 1 end
      return request(v, m, p, cb)
    end
  ]])
  -- Inserts, deletes, joins and replacements all over the buffer.
  c:lua([[
    math.randomseed(7)
    local pressure = "We must close this deal before the quarter ends to hit our numbers."
    for i = 1, 60 do
      local n = vim.api.nvim_buf_line_count(0)
      local at = math.random(0, n - 1)
      local op = i % 4
      if op == 0 then
        vim.api.nvim_buf_set_lines(0, at, at, false, { "", pressure, "" })
      elseif op == 1 and n > 10 then
        vim.api.nvim_buf_set_lines(0, at, math.min(n, at + 2), false, {})
      elseif op == 2 then
        vim.api.nvim_buf_set_lines(0, at, at + 1, false, { "- [ ] call them back" })
      else
        vim.api.nvim_buf_set_text(0, at, 0, at, 0, { "x " })
      end
      if i % 7 == 0 then vim.wait(200) end -- let some deltas go out mid-way
    end
  ]])
  local settled = [[
    local buf = vim.api.nvim_get_current_buf()
    local tick = vim.api.nvim_buf_get_changedtick(buf)
    _G.__want = nil
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
    require("rapport.client").request(vim.b.rapport_vault, "hints",
      { path = vim.api.nvim_buf_get_name(buf), text = text .. "" }, function(err, res) _G.__want = res end)
    return true
  ]]
  vim.wait(1000)
  local got = c:lua([[return vim.tbl_map(function(d) return { d.lnum, d.col, d.code } end,
    vim.diagnostic.get(0, { namespace = require("rapport.hints").ns }))]])
  c:lua(settled)
  local want = c:wait("return _G.__want")
  local w = vim.tbl_map(function(h) return { h.line - 1, h.col, h.rule } end, want)
  local function order(a, b)
    return a[1] < b[1] or (a[1] == b[1] and (a[2] < b[2] or (a[2] == b[2] and a[3] < b[3])))
  end
  table.sort(got, order)
  table.sort(w, order)
  t.ok(#w > 3, vim.inspect(w))
  t.eq(w, got)
  t.ok(c:lua("return _G.__deltas") > 3, "line deltas were sent")
end

T["CLI hints: stdin with --path, JSON shape, quotes of others not judged"] = function()
  local vault, state = t.vault()
  local text = "---\ntype: meeting\nclient: acme-logistics\n---\n# Call\n\n"
    .. "> We need to hit our numbers this quarter, says their CFO.\n\n"
    .. "We need to hit our numbers this quarter so we must close this deal.\n"
  local out = vim.fn.system({ t.bin, "--vault", vault, "--db", state .. "/db", "--json", "hints", "-",
    "--path", "meetings/x.md" }, text)
  t.eq(0, vim.v.shell_error, out)
  local rows = vim.json.decode(out)
  local urg = vim.tbl_filter(function(r) return r.rule == "urgency" end, rows)
  t.eq(1, #urg, "the blockquote is not judged")
  t.eq(9, urg[1].line)
  for _, k in ipairs({ "line", "col", "end_line", "end_col", "rule", "severity", "message" }) do
    t.ok(urg[1][k] ~= nil, k)
  end
end

T["right after start, queries wait for the first index instead of answering empty"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  -- No note opened: the first command starts the helper and asks at once.
  local err, rows = c:api("health")
  t.eq(nil, err)
  t.eq(5, #rows)
end

T["health dashboard, tasks and prep"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/borealis-health.md")
  local err, rows = c:api("health")
  t.eq(nil, err)
  t.eq("borealis-health", rows[1].client, "worst first")
  t.eq(8, #rows[1].trend)
  c:cmd("Rapport health")
  local lines = c:wait([[local l = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    return vim.api.nvim_buf_get_name(0):find("rapport://health") and l]])
  t.matches("borealis%-health", lines[3])
  local _, tasks = c:api("tasks", { overdue = true })
  t.ok(#tasks > 0)
  for _, r in ipairs(tasks) do
    t.eq(true, r.overdue)
  end
  c:cmd("close")
  c:cmd("Rapport prep")
  local brief = c:wait([[return vim.api.nvim_buf_get_name(0):find("rapport://prep") and
    vim.api.nvim_buf_get_lines(0, 0, -1, false)]])
  local text = table.concat(brief, "\n")
  t.matches("## Needs", text)
  t.matches("How has working with us felt lately%?", text)
  -- <CR> on an item jumps to its source line.
  local ln = c:lua([[for i, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if l:find("clients/borealis%-health%.md:%d+") and l:find("^%- ") then return i end end]])
  c:lua("vim.api.nvim_win_set_cursor(0, { ..., 0 })", ln)
  c:lua([[vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)]])
  t.matches("clients/borealis%-health%.md$", c:lua("return vim.api.nvim_buf_get_name(0)"))
end

T["capture: each line durable; into an open modified buffer; failure keeps the text"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/ember-foods.md")
  local err, res = c:api("capture", { client = "ember-foods", text = "They liked the pilot #pilot" })
  t.eq(nil, err)
  t.eq("meetings/2026-11-23-ember-foods.md", res.path)
  t.matches("%- %d%d:%d%d They liked the pilot #pilot", t.read(vault .. "/" .. res.path))
  -- The note is open and modified: the line goes into the buffer, which is saved.
  open_note(c, vault, res.path)
  c:lua([[vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "My unsaved thought." })]])
  err = c:api("capture", { client = "ember-foods", text = "[] send the deck @sam due:2026-11-30" })
  t.eq(nil, err)
  local disk = t.read(vault .. "/" .. res.path)
  t.matches("%- %[ %] send the deck @sam due:2026%-11%-30", disk)
  t.matches("My unsaved thought%.", disk, "the buffer was saved")
  t.eq(false, c:lua("return vim.bo.modified"))
  -- The float: <CR> saves; a read-only meetings directory keeps the text.
  vim.fn.mkdir(vault .. "/ro", "p")
  c:cmd("Rapport capture ember-foods")
  c:lua([[vim.api.nvim_feedkeys("Second line from the float", "n", false)
          vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "m", false)]])
  local ok = vim.wait(3000, function()
    return (t.read(vault .. "/" .. res.path) or ""):find("Second line from the float", 1, true) ~= nil
  end, 20)
  t.ok(ok, "saved on <CR>")
  c:cmd("stopinsert | close")
  if vim.loop.getuid() ~= 0 then
    vim.fn.setfperm(vault .. "/meetings", "r-xr-xr-x")
    local e2 = c:api("capture", { client = "ember-foods", text = "must not be lost" })
    t.ok(e2, "an error")
    vim.fn.setfperm(vault .. "/meetings", "rwxr-xr-x")
  end
end

T["capture float: a failed save keeps the text and says why"] = function()
  local vault = t.vault({ empty = true })
  t.write(vault .. "/clients/acme.md", "---\ntype: client\n---\n# Acme\n")
  t.write(vault .. "/meetings", "not a directory\n") -- works as root too, unlike chmod
  local c = t.child({ cwd = vault })
  c:cmd("edit " .. vault .. "/clients/acme.md")
  c:cmd("Rapport capture acme")
  c:lua([[vim.api.nvim_feedkeys("Important words", "n", false)
          vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "m", false)]])
  local msg = c:wait([[local ns = require("rapport.capture").ns
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
      local txt = m[4].virt_text and m[4].virt_text[1][1] or ""
      if m[4].virt_text and m[4].virt_text[1][2] == "ErrorMsg" then return txt end
    end]])
  t.matches("retry", msg)
  t.eq({ "Important words" }, c:lua("return vim.api.nvim_buf_get_lines(0, 0, -1, false)"))
end

T["new client, new meeting and init"] = function()
  local dir = t.tmpdir("fresh")
  local c = t.child({ cwd = dir })
  local err, res = c:api("init")
  t.eq(nil, err)
  t.eq(".rapport", res.path)
  t.ok(vim.loop.fs_stat(dir .. "/.rapport/config.json"))
  t.ok(vim.loop.fs_stat(dir .. "/.rapport/templates/meeting.md"))
  err, res = c:api("new_client", { name = "Fjord Shipping" })
  t.eq(nil, err)
  t.eq("clients/fjord-shipping.md", res.path)
  err, res = c:api("new_meeting", { client = "fjord-shipping" })
  t.eq(nil, err)
  t.eq("meetings/2026-11-23-fjord-shipping.md", res.path)
  t.matches("client: fjord%-shipping", t.read(dir .. "/" .. res.path))
  local again = c:api("new_client", { name = "Fjord Shipping" })
  t.matches("exists", again)
end

return T
