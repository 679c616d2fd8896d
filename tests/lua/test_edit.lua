-- Safe note edits from Neovim: tag add/remove on the current note, tag
-- rename with a preview and open modified buffers, cap and promote as one
-- undo step, priorities in the quickfix list.
local t = require("helpers")
local T = {}

local function open_note(child, vault, rel)
  child:cmd("edit " .. vim.fn.fnameescape(vault .. "/" .. rel))
end

local function lines(child)
  return child:lua("return vim.api.nvim_buf_get_lines(0, 0, -1, false)")
end

T["tag add/remove on an unmodified note go through its buffer, one undo step each"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/ember-foods.md")
  local before = lines(c)
  local err, res = c:api("tag_add", { tags = { "Urgent-Review" } })
  t.eq(nil, err)
  t.ok(vim.tbl_contains(res.tags, "urgent-review"), vim.inspect(res.tags))
  t.matches("Urgent%-Review", table.concat(lines(c), "\n"))
  t.eq(true, c:lua("return vim.bo.modified"), "left modified for the user to save")
  t.eq(t.read(vault .. "/clients/ember-foods.md"), table.concat(before, "\n") .. "\n", "file untouched")
  c:cmd("undo")
  t.eq(before, lines(c), "one undo step restores the buffer")
  err = c:api("tag_remove", { tags = { "nope" } })
  t.eq(nil, err)
end

T["tag add on a file not open writes it atomically"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  local err, res = c:api("tag_add", { path = vault .. "/notes/welcome.md", tags = { "demo" } })
  t.eq(nil, err)
  t.eq({ "demo" }, res.tags)
  t.matches("^%-%-%-\ntags: %[demo%]\n%-%-%-\n# Welcome", t.read(vault .. "/notes/welcome.md"))
end

T["tag rename: preview lists every change, open modified buffer, undo restores it"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "notes/pricing-playbook.md")
  -- A modification the user has not saved yet: the rename must keep it.
  c:lua([[vim.api.nvim_buf_set_lines(0, -1, -1, false, { "Unsaved line about #topic/pricing." })]])
  local before = lines(c)
  local err, dry = c:api("tag_rename", { old = "topic", new = "subject", dry_run = true })
  t.eq(nil, err)
  local in_buffer = false
  for _, ch in ipairs(dry.changes) do
    t.ok(ch.before:lower():find("topic"), vim.inspect(ch))
    t.ok(ch.after:lower():find("subject"), vim.inspect(ch))
    if ch.before:find("Unsaved line") then
      in_buffer = true
    end
  end
  t.ok(in_buffer, "the preview covers the unsaved buffer text")
  local files_before = t.read(vault .. "/meetings/2026-11-03-acme-logistics.md")
  local _, res = c:api("tag_rename", { old = "topic", new = "subject" })
  t.eq(#dry.changes, #res.changes, "the preview listed every change")
  t.matches("Unsaved line about #subject/pricing", table.concat(lines(c), "\n"))
  t.eq(true, c:lua("return vim.bo.modified"))
  t.ok(not t.read(vault .. "/meetings/2026-11-03-acme-logistics.md"):find("#topic/"), "closed notes written")
  t.ok(files_before ~= t.read(vault .. "/meetings/2026-11-03-acme-logistics.md"))
  c:cmd("undo")
  t.eq(before, lines(c), "undo restores the buffer in one step")
  -- The UI path: a preview buffer, then a confirmation.
  c:lua([[vim.ui.select = function(items, opts, cb) _G.__preview = vim.api.nvim_buf_get_lines(0, 0, -1, false); cb(nil) end]])
  c:cmd("Rapport tag rename risk danger")
  local preview = c:wait("return _G.__preview")
  t.matches("rename #risk %-> #danger", preview[1])
  t.ok(#preview > 3)
end

T["cap in a buffer is one undo step; priorities lists over-cap notes"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/cobalt-retail.md")
  local err, prios = c:api("priorities")
  t.eq(nil, err)
  local over = vim.tbl_filter(function(r) return r.over end, prios)
  t.eq(1, #over)
  t.eq("clients/cobalt-retail.md", over[1].path)
  local before = lines(c)
  local _, row = c:api("cap")
  t.eq(3, row.count)
  t.eq(false, row.over)
  local text = table.concat(lines(c), "\n")
  t.matches("## Parking lot\n\n1%. Replace the legacy POS reporting %(long%)", text)
  c:cmd("undo")
  t.eq(before, lines(c))
end

T["over-cap marker in the buffer; strict asks on save and parks the overflow"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  c:lua([[require("rapport").setup({ strict = true })]])
  open_note(c, vault, "clients/cobalt-retail.md")
  c:lua([[vim.ui.select = function(items, opts, cb) _G.__prompt = opts.prompt; cb(items[1], 1) end]])
  c:cmd("write")
  local prompt = c:wait("return _G.__prompt")
  t.matches("5 priorities, cap 3", prompt)
  local text = c:wait([[local t = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
    return t:find("## Parking lot") and t]])
  t.matches("## Parking lot\n\n1%. Replace the legacy POS reporting", text)
  -- Marks follow the buffer: after the cap nothing is over, so no marker.
  local prios = c:lua([[return vim.api.nvim_buf_get_extmarks(0, require("rapport.priorities").ns, 0, -1, {})]])
  t.ok(prios ~= nil)
  c:cmd("undo")
  c:lua([[require("rapport.priorities").decorate(0, vim.b.rapport_vault)]])
  local marks = c:wait([[local m = vim.api.nvim_buf_get_extmarks(0, require("rapport.priorities").ns, 0, -1,
    { details = true }) return #m >= 3 and m]])
  local virt = vim.tbl_filter(function(m) return m[4].virt_text ~= nil end, marks)
  t.eq(1, #virt, "one cap marker")
  t.matches("cap 3", virt[1][4].virt_text[1][1])
end

T["promote asks which priority to park when over the cap"] = function()
  local vault = t.vault()
  local c = t.child({ cwd = vault })
  open_note(c, vault, "clients/acme-logistics.md")
  local n = c:lua([[for i, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if l:match("^## Parking lot") then return i end end]])
  c:lua("vim.api.nvim_win_set_cursor(0, { ... , 0 })", n + 2)
  c:lua([[vim.ui.select = function(items, opts, cb) _G.__choices = items; cb(items[1]) end]])
  c:capture_notify()
  c:cmd("Rapport promote")
  local notes = c:wait("return #_G.__notes > 0 and _G.__notes")
  t.matches("promoted", notes[1].msg)
  t.eq(3, #c:lua("return _G.__choices"))
end

T["CLI: edits refuse bad frontmatter and files outside the vault"] = function()
  local vault, state = t.vault()
  t.write(vault .. "/notes/bad.md", "---\ntags: [a, b\n---\nbody\n")
  local out, code = t.cli({ "--vault", vault, "--db", state .. "/db", "tag", "add", vault .. "/notes/bad.md", "x" })
  t.eq(1, code)
  t.matches("frontmatter", out)
  t.eq("---\ntags: [a, b\n---\nbody\n", t.read(vault .. "/notes/bad.md"))
  out, code = t.cli({ "--vault", vault, "--db", state .. "/db", "tag", "add", "/etc/passwd", "x" })
  t.eq(1, code)
  t.matches("outside", out)
end

return T
