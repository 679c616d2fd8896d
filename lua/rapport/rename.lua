-- Tag rename with a preview, and promote with a choice of what to park.
local M = {}

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO)
end

local function preview_lines(params, changes)
  local lines = {
    ("rapport: rename #%s -> #%s: %d change(s)"):format(params.old, params.new, #changes),
    "",
  }
  for _, ch in ipairs(changes) do
    table.insert(lines, ("%s:%d"):format(ch.path, ch.line))
    for l in (ch.before .. "\n"):gmatch("(.-)\n") do
      table.insert(lines, "  - " .. l)
    end
    for l in (ch.after .. "\n"):gmatch("(.-)\n") do
      table.insert(lines, "  + " .. l)
    end
  end
  return lines
end

-- :Rapport tag rename OLD NEW: dry run, preview, confirm, then write.
function M.run(vault, params, on_done)
  local edits = require("rapport.edits")
  if on_done then -- API: no UI, as asked (dry_run honoured)
    return edits.request(vault, "tag_rename", params, nil, on_done)
  end
  local dry = vim.tbl_extend("force", params, { dry_run = true })
  edits.request(vault, "tag_rename", dry, nil, function(err, res)
    if err then
      return notify(err, vim.log.levels.ERROR)
    end
    if #res.changes == 0 then
      return notify(("rapport: no note carries #%s"):format(params.old))
    end
    local ui = require("rapport.ui")
    local buf = ui.scratch(preview_lines(params, res.changes), { name = "rapport://rename-preview" })
    vim.bo[buf].filetype = "diff"
    vim.schedule(function()
      vim.ui.select({ "Apply", "Cancel" }, { prompt = ("Rename #%s to #%s in %d place(s)?"):format(
        params.old, params.new, #res.changes) }, function(choice)
        if vim.api.nvim_buf_is_valid(buf) then
          pcall(vim.api.nvim_buf_delete, buf, { force = true })
        end
        if choice ~= "Apply" then
          return notify("rapport: rename cancelled, nothing changed")
        end
        edits.request(vault, "tag_rename", vim.deepcopy(params), nil, function(e2, r2)
          if e2 then
            return notify(e2, vim.log.levels.ERROR)
          end
          local files = {}
          for _, ch in ipairs(r2.changes) do
            files[ch.path] = true
          end
          local msg = ("rapport: renamed #%s to #%s: %d change(s) in %d note(s)"):format(params.old, params.new,
            #r2.changes, vim.tbl_count(files))
          if (r2.buffers_changed or 0) > 0 then
            msg = msg .. ("; %d open buffer(s) changed but not saved (:wall saves them)"):format(r2.buffers_changed)
          end
          notify(msg)
        end)
      end)
    end)
  end)
end

-- :Rapport promote: the Parking lot item under the cursor into Priorities;
-- when that passes the cap, asks which priority to park in exchange.
function M.promote(vault, params, on_done)
  params = vim.deepcopy(params or {})
  params.path = params.path or vim.api.nvim_buf_get_name(0)
  params.line = params.line or vim.api.nvim_win_get_cursor(0)[1]
  local edits = require("rapport.edits")
  local function done(err, res)
    if on_done then
      return on_done(err, res)
    end
    if err then
      return notify(err, vim.log.levels.ERROR)
    end
    notify(("rapport: promoted; %d priorities, cap %d"):format(res.count, res.cap))
  end
  edits.request(vault, "promote", params, params.path, function(err, res, code)
    if err and code == 1 and err:find("%-%-park") and not on_done then
      -- Over the cap: offer the current priorities to park.
      local choices = {}
      for line, text in err:gmatch("%[(%d+)%] ([^;]+);") do
        table.insert(choices, { line = tonumber(line), text = text })
      end
      return require("rapport.ui").pick(choices, {
        prompt = "Over the cap: which priority goes to the Parking lot?",
        format = function(c)
          return c.text
        end,
      }, function(c)
        if not c then
          return notify("rapport: promote cancelled, nothing changed")
        end
        params.park = c.line
        edits.request(vault, "promote", params, params.path, done)
      end)
    end
    done(err, res, code)
  end)
end

return M
