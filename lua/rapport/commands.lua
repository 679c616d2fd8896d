-- The one subcommand table: :Rapport dispatch, its completion and the Lua
-- API (require("rapport").<api>) all come from it.
local M = {}
local H = {}

local function client()
  return require("rapport.client")
end

local function ui()
  return require("rapport.ui")
end

local function notify(msg, level)
  vim.notify(msg, level or vim.log.levels.INFO)
end

-- Completion candidates from the helper's cache for the current vault.
function M.cached(kind)
  local vault = require("rapport").current_vault()
  local c = vault and client().cache[vault]
  return c and c[kind] or {}
end

local function filter(list, lead)
  local out = {}
  for _, s in ipairs(list) do
    if s:sub(1, #lead) == lead then
      table.insert(out, s)
    end
  end
  return out
end

-- Words of a tag query: tags, #tags, @people, client:ids, keywords.
local function complete_query(lead)
  local prefix, word = lead:match("^([%(%-]*)(.*)$")
  local out = {}
  if word:sub(1, 1) == "@" then
    for _, p in ipairs(M.cached("people")) do
      table.insert(out, prefix .. "@" .. p)
    end
  elseif word:sub(1, 7) == "client:" then
    for _, c in ipairs(M.cached("clients")) do
      table.insert(out, prefix .. "client:" .. c)
    end
  elseif word:sub(1, 5) == "type:" then
    for _, t in ipairs({ "client", "meeting", "note" }) do
      table.insert(out, prefix .. "type:" .. t)
    end
  else
    local hash = word:sub(1, 1) == "#" and "#" or ""
    for _, t in ipairs(M.cached("tags")) do
      table.insert(out, prefix .. hash .. t)
    end
    if hash == "" then
      for _, k in ipairs({ "AND", "OR", "NOT", "client:", "type:", "after:", "before:" }) do
        table.insert(out, prefix .. k)
      end
    end
  end
  return filter(out, lead)
end

-- Absolute path of a vault-relative one.
local function abs(vault, rel)
  return vault .. "/" .. rel
end

-- ---- result views ----

local function show_notes(res, vault, title)
  if #res == 0 then
    return notify("rapport: no notes match " .. title)
  end
  local items = {}
  for _, r in ipairs(res) do
    table.insert(items, { path = abs(vault, r.path), line = 1, text = r.title or r.path })
  end
  ui().quickfix(items, "rapport: " .. title, false)
  ui().pick(res, {
    prompt = "Notes: " .. title,
    format = function(r)
      local c = (r.client and r.client ~= vim.NIL) and ("  [" .. r.client .. "]") or ""
      return r.path .. "  " .. (r.title or "") .. c
    end,
  }, function(r)
    if r then
      ui().jump(abs(vault, r.path), 1)
    end
  end)
end

-- Edits the current note (through its buffer when loaded).
function H.note_edit(vault, method, params, on_done, describe)
  params = vim.deepcopy(params or {})
  local path = params.path or vim.api.nvim_buf_get_name(0)
  if path == "" or vim.bo.buftype ~= "" and not params.path then
    local msg = "rapport: open a note first"
    return on_done and on_done(msg) or notify(msg, vim.log.levels.WARN)
  end
  params.path = path
  require("rapport.edits").request(vault, method, params, not params.no_buffer and path or nil, function(err, res, code)
    if on_done then
      return on_done(err, res, code)
    end
    if err then
      return notify(err, vim.log.levels.ERROR)
    end
    notify(describe(res))
  end)
end

-- Calls fn(params) with params.client set: given, else the current note's
-- client, else one picked from the known clients.
function H.with_client(_, params, prompt, fn, on_done)
  params = vim.deepcopy(params or {})
  if params.client then
    return fn(params)
  end
  local c = vim.b.rapport_client
  if c then
    params.client = c
    return fn(params)
  end
  if on_done then
    return on_done("rapport: which client? pass { client = ... }")
  end
  local clients = M.cached("clients")
  if #clients == 0 then
    return notify("rapport: no clients yet: create one with :Rapport new client NAME", vim.log.levels.WARN)
  end
  ui().pick(clients, { prompt = prompt }, function(choice)
    if choice then
      params.client = choice
      fn(params)
    end
  end)
end

-- The optional [client] argument shared by several subcommands.
function H.client_arg(args)
  return { client = args[1] }
end

function H.complete_client(lead)
  return filter(M.cached("clients"), lead)
end

-- :Rapport tag add|remove {tag}...: the two differ only in name and words.
function H.tag_edit(verb, help, example)
  return {
    name = "tag " .. verb,
    help = help,
    parse = function(args)
      if #args == 0 then
        return nil, ("rapport: tag %s needs tags, e.g. :Rapport tag %s %s"):format(verb, verb, example)
      end
      return { tags = args }
    end,
    complete = function(lead)
      return filter(M.cached("tags"), lead:gsub("^#", ""))
    end,
    run = function(vault, params, on_done)
      H.note_edit(vault, "tag_" .. verb, params, on_done, function(res)
        local msg = ("rapport: tags of %s: %s"):format(res.path, #res.tags > 0 and table.concat(res.tags, ", ") or "none")
        if res.warnings then
          msg = msg .. " (" .. table.concat(res.warnings, "; ") .. ")"
        end
        return msg
      end)
    end,
  }
end

-- ---- the table ----

M.list = {
  {
    name = "status",
    help = "helper version, pid, vault, database and uptime",
    ui = function(res)
      notify(("rapport %s (protocol %d), pid %d, up %ds\nvault: %s\ndatabase: %s"):format(
        res.version, res.protocol, res.pid, math.floor(res.uptime), res.vault, res.database))
    end,
  },
  {
    name = "log",
    help = "the plugin's and the helpers' log",
    novault = true,
    run = function(_, _, on_done)
      local lines = client().log_lines()
      if on_done then
        return on_done(nil, lines)
      end
      ui().scratch(#lines > 0 and lines or { "(the log is empty)" }, { name = "rapport://log" })
    end,
  },
  {
    name = "reindex",
    method = "index",
    help = "bring the index up to date (! or --full: rebuild it)",
    parse = function(args, bang)
      return { full = bang or vim.tbl_contains(args, "--full") or nil }
    end,
    ui = function(res)
      notify(("rapport: %d notes, %d indexed, %d removed in %d ms"):format(res.files, res.indexed, res.removed, res.ms))
    end,
  },
  {
    name = "tags",
    help = "tags with their note counts; pick one to list its notes",
    ui = function(res, vault)
      if #res == 0 then
        return notify("rapport: no tags in " .. vault)
      end
      ui().pick(res, {
        prompt = "Tags",
        format = function(t)
          return ("#%s  (%d)"):format(t.tag, t.count)
        end,
      }, function(t)
        if t then
          M.call(M.by_api("find"), { query = t.tag })
        end
      end)
    end,
  },
  {
    name = "find",
    help = "notes matching a tag query: risk AND NOT client:acme, @dana, type:meeting ...",
    parse = function(args)
      if #args == 0 then
        return nil, "rapport: find needs a query, e.g. :Rapport find risk AND client:acme"
      end
      return { query = table.concat(args, " ") }
    end,
    complete = complete_query,
    ui = function(res, vault, params)
      show_notes(res, vault, params.query)
    end,
  },
  {
    name = "search",
    help = "full-text search (words all required, \"quoted phrases\")",
    parse = function(args)
      if #args == 0 then
        return nil, "rapport: search needs some words, e.g. :Rapport search renewal pricing"
      end
      return { text = table.concat(args, " ") }
    end,
    ui = function(res, vault, params)
      if #res == 0 then
        return notify("rapport: nothing found for " .. params.text)
      end
      local items = {}
      for _, r in ipairs(res) do
        table.insert(items, { path = abs(vault, r.path), line = r.line, text = r.snippet })
      end
      ui().quickfix(items, "rapport search: " .. params.text, false)
      ui().pick(items, {
        prompt = "Search: " .. params.text,
        format = function(it)
          return ("%s:%d: %s"):format(it.path:sub(#vault + 2), it.line, it.text)
        end,
      }, function(it)
        if it then
          ui().jump(it.path, it.line)
        end
      end)
    end,
  },
  {
    name = "check",
    help = "notes with problems, in the quickfix list",
    ui = function(res, vault)
      if #res == 0 then
        return notify("rapport: no problems found")
      end
      local items = {}
      for _, r in ipairs(res) do
        local line = (r.line ~= vim.NIL and r.line) or 1
        table.insert(items, { path = abs(vault, r.path), line = line, text = r.message })
      end
      ui().quickfix(items, "rapport check")
    end,
  },
  H.tag_edit("add", "add tags to the current note's frontmatter", "risk topic/pricing"),
  H.tag_edit("remove", "remove tags from the current note's frontmatter", "risk"),
  {
    name = "tag rename",
    help = "rename a tag and its children in every note, after a preview",
    parse = function(args)
      if #args ~= 2 then
        return nil, "rapport: tag rename needs OLD and NEW, e.g. :Rapport tag rename topic subject"
      end
      return { old = args[1], new = args[2] }
    end,
    complete = function(lead, words)
      if #words >= 1 then
        return {}
      end
      return filter(M.cached("tags"), lead)
    end,
    run = function(vault, params, on_done)
      require("rapport.rename").run(vault, params, on_done)
    end,
  },
  {
    name = "priorities",
    help = "priority lists and their caps; over-cap ones in the quickfix list",
    parse = H.client_arg,
    complete = H.complete_client,
    ui = function(res, vault)
      local items = {}
      for _, r in ipairs(res) do
        if r.over then
          table.insert(items, { path = abs(vault, r.path), line = 1,
            text = ("%d priorities, cap %d: rank them with the client, then :Rapport cap"):format(r.count, r.cap) })
        end
      end
      if #items == 0 then
        return notify(("rapport: %d priority lists, none over its cap"):format(#res))
      end
      ui().quickfix(items, "rapport priorities over cap")
    end,
  },
  {
    name = "cap",
    help = "move the current note's priorities past the cap to the Parking lot",
    parse = function(args)
      local cap = args[1] and tonumber((args[1]:gsub("^%-%-cap=?", "")))
      if args[1] and not cap then
        return nil, "rapport: cap takes an optional number, e.g. :Rapport cap 3"
      end
      return { cap = cap }
    end,
    run = function(vault, params, on_done)
      H.note_edit(vault, "cap", params, on_done, function(res)
        return ("rapport: %s: %d priorities, cap %d%s"):format(res.path, res.count, res.cap,
          res.buffers_changed > 0 and " (buffer changed: save it with :w)" or "")
      end)
    end,
  },
  {
    name = "promote",
    help = "move the Parking lot item under the cursor into Priorities",
    run = function(vault, params, on_done)
      require("rapport.rename").promote(vault, params, on_done)
    end,
  },
  {
    name = "tasks",
    help = "open commitments (ours and theirs), overdue first: [client] [--ours|--theirs|--overdue]",
    parse = function(args)
      local p = {}
      for _, a in ipairs(args) do
        local flag = a:match("^%-%-(%a+)$")
        if flag == "ours" or flag == "theirs" or flag == "overdue" then
          p[flag] = true
        elseif flag then
          return nil, "rapport: tasks takes --ours, --theirs or --overdue"
        else
          p.client = a
        end
      end
      return p
    end,
    complete = function(lead)
      local out = filter({ "--ours", "--theirs", "--overdue" }, lead)
      return vim.list_extend(out, filter(M.cached("clients"), lead))
    end,
    ui = function(res, vault)
      if #res == 0 then
        return notify("rapport: no open commitments")
      end
      local items = {}
      for _, r in ipairs(res) do
        local who = (r.owner ~= vim.NIL and r.owner) and ("@" .. r.owner) or "no owner"
        local due = (r.due ~= vim.NIL and r.due) and ("due " .. r.due) or "no date"
        table.insert(items, { path = abs(vault, r.path), line = r.line,
          text = ("%s%s (%s, %s, %s)"):format(r.overdue and "OVERDUE " or "", r.text, who, due,
            r.ours and "ours" or "theirs") })
      end
      ui().quickfix(items, "rapport tasks")
    end,
  },
  {
    name = "health",
    help = "engagement health per client: a dashboard, worst first",
    parse = H.client_arg,
    complete = H.complete_client,
    ui = function(res, vault)
      require("rapport.ui.dashboard").open(res, vault)
    end,
  },
  {
    name = "prep",
    help = "a call-prep brief for a client (default: the current note's)",
    parse = H.client_arg,
    complete = H.complete_client,
    run = function(vault, params, on_done)
      H.with_client(vault, params, "Prep for which client?", function(p)
        p.markdown = true
        client().request(vault, "prep", p, function(err, res, code)
          if on_done then
            return on_done(err, res, code)
          end
          if err then
            return notify(err, vim.log.levels.ERROR)
          end
          require("rapport.ui.prep").open(res, vault)
        end)
      end, on_done)
    end,
  },
  {
    name = "capture",
    help = "a float that saves each line to today's meeting note for a client",
    parse = H.client_arg,
    complete = H.complete_client,
    run = function(vault, params, on_done)
      if params and params.text then -- API: capture one line, no UI
        return H.with_client(vault, params, "Capture for which client?", function(p)
          require("rapport.capture").save(vault, p.client, p.text, on_done or function(err, res)
            notify(err or ("rapport: saved to %s:%d"):format(res.path, res.line), err and vim.log.levels.ERROR)
          end)
        end, on_done)
      end
      H.with_client(vault, params, "Capture for which client?", function(p)
        require("rapport.capture").open(vault, p.client)
      end, on_done)
    end,
  },
  {
    name = "new client",
    help = "a new client note from the template",
    parse = function(args)
      if #args == 0 then
        return nil, "rapport: new client needs a name, e.g. :Rapport new client Acme Logistics"
      end
      return { name = table.concat(args, " ") }
    end,
    ui = function(res, vault)
      ui().jump(abs(vault, res.path), 1)
    end,
  },
  {
    name = "new meeting",
    help = "today's meeting note for a client, from the template",
    parse = function(args)
      local p = {}
      for _, a in ipairs(args) do
        local d = a:match("^%-%-date=?(.*)$")
        if d then
          p.date = d ~= "" and d or nil
        else
          p.client = a
        end
      end
      return p
    end,
    complete = function(lead)
      return filter(M.cached("clients"), lead)
    end,
    run = function(vault, params, on_done)
      H.with_client(vault, params, "Meeting with which client?", function(p)
        client().request(vault, "new_meeting", p, function(err, res, code)
          if on_done then
            return on_done(err, res, code)
          end
          if err then
            return notify(err, vim.log.levels.ERROR)
          end
          ui().jump(abs(vault, res.path), 1)
        end)
      end, on_done)
    end,
  },
  {
    name = "init",
    help = "make the current directory a vault: .rapport/ with config and templates",
    novault = true,
    run = function(vault, _, on_done)
      local dir = vault or vim.fn.getcwd()
      client().request(dir, "init", {}, function(err, res, code)
        if on_done then
          return on_done(err, res, code)
        end
        if err then
          return notify(err, vim.log.levels.ERROR)
        end
        notify(("rapport: %s is a vault now (%s/%s): notes in clients/ and meetings/ are picked up"):format(
          dir, dir, res.path))
        require("rapport").attach(vim.api.nvim_get_current_buf())
      end)
    end,
  },
}

for _, action in ipairs({ "on", "off", "toggle" }) do
  table.insert(M.list, {
    name = "hints " .. action,
    help = "inline engagement-health hints: " .. action,
    novault = true,
    run = function(_, _, on_done)
      local hints = require("rapport.hints")
      local on = action == "toggle" and hints.toggle() or hints.set_enabled(action == "on")
      if on_done then
        return on_done(nil, { enabled = on })
      end
      notify("rapport: hints " .. (on and "on" or "off"))
    end,
  })
end

-- API names: spaces become underscores (SPEC §4).
for _, d in ipairs(M.list) do
  d.api = d.name:gsub(" ", "_")
  if d.method == nil and not d.run then
    d.method = d.api
  end
end

function M.by_api(api)
  for _, d in ipairs(M.list) do
    if d.api == api then
      return d
    end
  end
end

-- Runs a command: asynchronous; on_done(err, result) when given, else the UI.
function M.call(def, args, on_done)
  local vault = require("rapport").current_vault()
  if not vault and not def.novault then
    if on_done then
      return on_done(require("rapport").NO_VAULT)
    end
    return notify(require("rapport").NO_VAULT, vim.log.levels.WARN)
  end
  if def.run then
    return def.run(vault, args, on_done)
  end
  local params = type(args) == "table" and args or {}
  return client().request(vault, def.method, params, function(err, res, code)
    if on_done then
      return on_done(err, res, code)
    end
    if err then
      return notify(err, vim.log.levels.ERROR)
    end
    def.ui(res, vault, params)
  end)
end

-- :Rapport {sub} [args]
function M.run(opts)
  local args = vim.deepcopy(opts.fargs)
  if #args == 0 then
    return M.help()
  end
  local def, used = H.match(args)
  if not def then
    return notify(("rapport: unknown subcommand '%s' (see :Rapport <Tab> or :help rapport)"):format(args[1]),
      vim.log.levels.ERROR)
  end
  local rest = { unpack(args, used + 1) }
  local params, err = {}
  if def.parse then
    params, err = def.parse(rest, opts.bang)
    if err then
      return notify(err, vim.log.levels.ERROR)
    end
  end
  M.call(def, params)
end

function H.match(args)
  local best, used = nil, 0
  for _, d in ipairs(M.list) do
    local words = vim.split(d.name, " ", { plain = true })
    local ok = #words <= #args
    for i, w in ipairs(words) do
      ok = ok and args[i] == w
    end
    if ok and #words > used then
      best, used = d, #words
    end
  end
  return best, used
end

function M.help()
  local lines = { "rapport.nvim — :Rapport {subcommand}" }
  for _, d in ipairs(M.list) do
    table.insert(lines, ("  %-16s %s"):format(d.name, d.help))
  end
  notify(table.concat(lines, "\n"))
end

function M.complete(arglead, cmdline, pos)
  local before = cmdline:sub(1, pos)
  local words = vim.split(before, "%s+", { trimempty = false })
  table.remove(words, 1) -- "Rapport"
  table.remove(words) -- the word being completed (== arglead)
  -- Which subcommand words are already typed?
  local cands = {}
  for _, d in ipairs(M.list) do
    local dw = vim.split(d.name, " ", { plain = true })
    local ok = true
    for i = 1, math.min(#words, #dw) do
      ok = ok and words[i] == dw[i]
    end
    if ok and #words < #dw then
      cands[dw[#words + 1]] = true
    elseif ok and #words >= #dw and d.complete then
      return d.complete(arglead, { unpack(words, #dw + 1) })
    end
  end
  local out = vim.tbl_keys(cands)
  table.sort(out)
  return filter(out, arglead)
end

return M
