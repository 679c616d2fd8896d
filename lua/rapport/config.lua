-- Options: defaults, validation (errors name the option), the merged view.
local M = {}

M.defaults = {
  -- Vault root; nil: $RAPPORT_VAULT, else the nearest ancestor holding .rapport/.
  vault = nil,
  -- Helper binary; nil: the plugin's bin/rapport, else `rapport` on $PATH.
  binary = nil,
  -- Our people's handles (tasks they own are "ours").
  team = {},
  -- Default cap of a Priorities list.
  priority_cap = 3,
  -- Default days between contacts before a client counts as gone dark.
  cadence = 14,
  -- On save of a note whose Priorities list is over its cap, ask whether
  -- to park the overflow (:Rapport cap) instead of a quiet warning.
  strict = false,
  -- Inline hints (vim.diagnostic, namespace "rapport").
  hints = { enabled = true, debounce = 150, max_hints = 100 },
  -- Per-rule settings, as in .rapport/config.json: { urgency = { severity = "warn",
  -- phrases_extra = { ... } }, ... } (see :help rapport-rules).
  rules = {},
  -- Set 'omnifunc' in vault notes to complete #tags and @people.
  omnifunc = true,
  -- Picker: "auto" (telescope, fzf-lua, snacks, mini.pick when installed, else
  -- vim.ui.select) or one of "telescope", "fzf-lua", "snacks", "mini", "select".
  picker = "auto",
  -- Seconds between the helper's safety rescans of the vault.
  rescan_interval = 60,
}

M.options = vim.deepcopy(M.defaults)

local pickers = { auto = true, telescope = true, ["fzf-lua"] = true, snacks = true, mini = true, select = true }

local function check(name, value, kind, optional)
  local ok, err = pcall(vim.validate, { [name] = { value, kind, optional } })
  if not ok then
    local msg = tostring(err):gsub("^[^\n]-%.lua:%d+: ", "")
    error("rapport: option " .. msg, 0)
  end
end

function M.validate(opts)
  check("opts", opts, "table", true)
  opts = opts or {}
  for k in pairs(opts) do
    if M.defaults[k] == nil and k ~= "vault" and k ~= "binary" then
      error(("rapport: unknown option '%s' (see :help rapport-options)"):format(k), 0)
    end
  end
  check("vault", opts.vault, "string", true)
  check("binary", opts.binary, "string", true)
  check("team", opts.team, "table", true)
  for i, v in ipairs(opts.team or {}) do
    if type(v) ~= "string" then
      error(("rapport: option team[%d]: expected a string, got %s"):format(i, type(v)), 0)
    end
  end
  check("priority_cap", opts.priority_cap, "number", true)
  if opts.priority_cap and (opts.priority_cap < 1 or opts.priority_cap % 1 ~= 0) then
    error("rapport: option priority_cap: expected a whole number >= 1, got " .. opts.priority_cap, 0)
  end
  check("cadence", opts.cadence, "number", true)
  check("strict", opts.strict, "boolean", true)
  check("hints", opts.hints, "table", true)
  if opts.hints then
    for k, v in pairs(opts.hints) do
      local want = ({ enabled = "boolean", debounce = "number", max_hints = "number" })[k]
      if not want then
        error(("rapport: unknown option 'hints.%s' (enabled, debounce, max_hints)"):format(k), 0)
      end
      check("hints." .. k, v, want)
    end
  end
  check("rules", opts.rules, "table", true)
  check("omnifunc", opts.omnifunc, "boolean", true)
  check("picker", opts.picker, "string", true)
  if opts.picker and not pickers[opts.picker] then
    error("rapport: option picker: expected auto, telescope, fzf-lua, snacks, mini or select, got "
      .. opts.picker, 0)
  end
  check("rescan_interval", opts.rescan_interval, "number", true)
  return opts
end

function M.set(opts)
  opts = M.validate(opts)
  M.user = vim.deepcopy(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts)
  if opts.team then
    M.options.team = vim.deepcopy(opts.team)
  end
  return M.options
end

-- The settings the helper applies to its answers (rapport.configure).
function M.helper_settings()
  -- Only what the user set: the vault's .rapport/config.json fills the rest.
  local user = M.user or {}
  local s = {}
  for _, k in ipairs({ "team", "priority_cap", "cadence", "rules", "rescan_interval" }) do
    if user[k] ~= nil then
      s[k] = user[k]
    end
  end
  return s
end

return M
