-- Shared UI pieces: pickers, the quickfix list, scratch windows, jumping.
local M = {}

-- Opens `path` (absolute) at `line` (1-based) and `col` (0-based byte).
function M.jump(path, line, col)
  if vim.api.nvim_buf_get_name(0) ~= path then
    vim.cmd("edit " .. vim.fn.fnameescape(path))
  end
  if line then
    local last = vim.api.nvim_buf_line_count(0)
    pcall(vim.api.nvim_win_set_cursor, 0, { math.min(line, last), col or 0 })
  end
end

-- items: { {text=, path=, line=, col=}, ... } (path absolute)
function M.quickfix(items, title, open)
  local qf = {}
  for _, it in ipairs(items) do
    table.insert(qf, { filename = it.path, lnum = it.line or 1, col = (it.col or 0) + 1, text = it.text or "" })
  end
  vim.fn.setqflist({}, " ", { title = title, items = qf })
  if open ~= false then
    vim.cmd("botright copen")
  end
end

local function has(mod)
  return package.loaded[mod] ~= nil or pcall(require, mod)
end

-- Which picker to use: the option, else the first installed one, else vim.ui.select.
function M.picker()
  local want = require("rapport.config").options.picker
  if want ~= "auto" then
    return want
  end
  if has("telescope") then
    return "telescope"
  elseif has("fzf-lua") then
    return "fzf-lua"
  elseif has("snacks") and require("snacks").picker then
    return "snacks"
  elseif has("mini.pick") then
    return "mini"
  end
  return "select"
end

-- Lets the user pick one of `items` (strings or tables formatted by
-- opts.format); on_choice(item) is called with the choice (nil: cancelled).
-- Third-party pickers receive the same display strings.
function M.pick(items, opts, on_choice)
  opts = opts or {}
  local format = opts.format or tostring
  local kind = M.picker()
  local labels = {}
  for i, it in ipairs(items) do
    labels[i] = format(it)
  end
  local function choose(label)
    for i, l in ipairs(labels) do
      if l == label then
        return on_choice(items[i])
      end
    end
    on_choice(nil)
  end
  if kind == "fzf-lua" and has("fzf-lua") then
    return require("fzf-lua").fzf_exec(labels, {
      prompt = (opts.prompt or "rapport") .. "> ",
      actions = { default = function(sel) choose(sel and sel[1]) end },
    })
  elseif kind == "mini" and has("mini.pick") then
    return require("mini.pick").start({
      source = {
        items = labels,
        name = opts.prompt or "rapport",
        choose = function(l)
          vim.schedule(function()
            choose(l)
          end)
        end,
      },
    })
  elseif kind == "telescope" and has("telescope") then
    local pickers, finders = require("telescope.pickers"), require("telescope.finders")
    local conf = require("telescope.config").values
    local actions, state = require("telescope.actions"), require("telescope.actions.state")
    return pickers.new({}, {
      prompt_title = opts.prompt or "rapport",
      finder = finders.new_table({ results = labels }),
      sorter = conf.generic_sorter({}),
      attach_mappings = function(bufnr)
        actions.select_default:replace(function()
          local e = state.get_selected_entry()
          actions.close(bufnr)
          choose(e and e[1])
        end)
        return true
      end,
    }):find()
  end
  vim.ui.select(items, { prompt = opts.prompt, format_item = format }, on_choice)
end

-- A scratch buffer in a split (or the current window when opts.here).
function M.scratch(lines, opts)
  opts = opts or {}
  vim.cmd(opts.vertical and "vnew" or "new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  if opts.name then
    pcall(vim.api.nvim_buf_set_name, buf, opts.name)
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  if opts.filetype then
    vim.bo[buf].filetype = opts.filetype
  end
  vim.keymap.set("n", "q", "<cmd>close<cr>", { buffer = buf, nowait = true, desc = "rapport: close" })
  return buf
end

return M
