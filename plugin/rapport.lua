-- rapport.nvim: the :Rapport command and the lazy start on vault notes.
-- Nothing else happens at startup: modules load on first use.
if vim.g.loaded_rapport == 1 or vim.fn.has("nvim-0.7.2") == 0 then
  return
end
vim.g.loaded_rapport = 1

vim.api.nvim_create_user_command("Rapport", function(opts)
  require("rapport.commands").run(opts)
end, {
  nargs = "*",
  desc = "rapport.nvim: tags, priorities, hints, prep and capture for client notes",
  complete = function(arglead, cmdline, pos)
    return require("rapport.commands").complete(arglead, cmdline, pos)
  end,
})

local group = vim.api.nvim_create_augroup("rapport", { clear = true })
vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile" }, {
  group = group,
  pattern = "*.md",
  callback = function(ev)
    require("rapport").attach(ev.buf)
  end,
})

-- <Plug> maps (no keys are mapped for you: see :help rapport-keymaps).
for _, sub in ipairs({ "capture", "prep", "health", "tags", "tasks", "cap", "promote", "hints toggle" }) do
  vim.api.nvim_set_keymap("n", "<Plug>(rapport-" .. sub:gsub(" ", "-") .. ")", "<Cmd>Rapport " .. sub .. "<CR>",
    { noremap = true, silent = true })
end

for _, hl in ipairs({
  { "RapportOverCap", "DiagnosticWarn" },
  { "RapportCapMarker", "Comment" },
  { "RapportTitle", "Title" },
  { "RapportScore", "Number" },
}) do
  vim.api.nvim_set_hl(0, hl[1], { link = hl[2], default = true })
end
