/* test_capture.c -- templates, init, new client/meeting, capture placement,
 * durability under injected faults. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "test.h"
#include "util.h"

/* ----------------------------------------------------------------- helpers */

static char vault[256];

static void mk_vault(void)
{
    snprintf(vault, sizeof vault, "/tmp/rapport-test-capture-XXXXXX");
    if (!mkdtemp(vault)) abort();
}

static void rm_rf(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(p, 0755);
        DIR *d = opendir(p);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            char *c = xasprintf("%s/%s", p, de->d_name);
            rm_rf(c);
            free(c);
        }
        if (d) closedir(d);
        rmdir(p);
    } else {
        unlink(p);
    }
}

static void rm_vault(void) { rm_rf(vault); }

static char *vpath(const char *rel) { return xasprintf("%s/%s", vault, rel); }

static void put(const char *rel, const char *s)
{
    char *p = vpath(rel);
    char *slash = strrchr(p, '/');
    *slash = 0;
    char *cmd = xasprintf("mkdir -p '%s'", p);
    if (system(cmd) != 0) abort();
    free(cmd);
    *slash = '/';
    FILE *f = fopen(p, "wb");
    fputs(s, f);
    fclose(f);
    free(p);
}

static char *get(const char *rel)
{
    char *p = vpath(rel), *s;
    size_t n;
    edit_error e;
    if (edit_read_file(p, &s, &n, &e)) s = xstrdup("(unreadable)");
    free(p);
    return s;
}

static int exists(const char *rel)
{
    char *p = vpath(rel);
    struct stat st;
    int r = lstat(p, &st) == 0;
    free(p);
    return r;
}

/* Temp files anywhere in the vault. */
static int temps_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (strstr(de->d_name, ".rapport-")) n++;
        char *c = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(c, &st) == 0 && S_ISDIR(st.st_mode)) n += temps_in(c);
        free(c);
    }
    closedir(d);
    return n;
}

static capture_when when(const char *s)
{
    capture_when w;
    if (capture_parse_now(s, &w)) abort();
    return w;
}

/* capture_insert on a text, returning the new text (or "ERR:<code>"). */
static char *ins(const char *text, const char *raw, int *line)
{
    char *out;
    size_t n;
    edit_error err = {0};
    int rc = capture_insert("meetings/2026-11-23-acme.md", text, strlen(text), "10:05", raw,
                            strlen(raw), &out, &n, line, &err);
    if (rc) return xasprintf("ERR:%d %s", rc, err.msg);
    return out;
}

/* ------------------------------------------------------------------- pure */

static void test_clock(void)
{
    capture_when w;
    ASSERT_EQ(capture_parse_now("2026-11-23T09:07", &w), 0);
    ASSERT_STR_EQ(w.date, "2026-11-23");
    ASSERT_STR_EQ(w.time, "09:07");
    ASSERT_EQ(capture_parse_now("2026-11-23 23:59", &w), 0);
    ASSERT_EQ(capture_parse_now("2026-11-23T24:00", &w), -1);
    ASSERT_EQ(capture_parse_now("2026-13-01T10:00", &w), -1);
    ASSERT_EQ(capture_parse_now("2026-11-23T10:0", &w), -1);
    setenv("RAPPORT_NOW", "2026-01-02T03:04", 1);
    edit_error err;
    ASSERT_EQ(capture_clock(NULL, &w, &err), 0);
    ASSERT_STR_EQ(w.date, "2026-01-02");
    ASSERT_STR_EQ(w.time, "03:04");
    ASSERT_EQ(capture_clock("2026-05-06", &w, &err), 0);
    ASSERT_STR_EQ(w.date, "2026-05-06");
    ASSERT_STR_EQ(w.time, "03:04");
    setenv("RAPPORT_NOW", "tomorrow", 1);
    ASSERT_EQ(capture_clock(NULL, &w, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "RAPPORT_NOW") != NULL);
    unsetenv("RAPPORT_NOW");
    ASSERT_EQ(capture_clock(NULL, &w, &err), 0);
    ASSERT(date_valid(w.date, 10));
}

static void slug_is(const char *in, const char *want)
{
    char *s = capture_slug(in);
    if (!want) {
        if (s) TEST_FAIL_AT("slug(%s) = %s, wanted none", in, s);
    } else if (!s || strcmp(s, want)) {
        TEST_FAIL_AT("slug(%s) = %s, wanted %s", in, s ? s : "(null)", want);
    }
    free(s);
}

static void test_slug(void)
{
    slug_is("Acme", "acme");
    slug_is("Acme Corp", "acme-corp");
    slug_is("  Acme   Corp  ", "acme-corp");
    slug_is("O'Brien & Sons", "obrien-sons");
    slug_is("acme_labs-eu", "acme_labs-eu");
    slug_is("Café Noir", "café-noir");
    slug_is("Müller GmbH", "müller-gmbh");
    slug_is("日本 株式会社", "日本-株式会社");
    slug_is("../../etc/passwd", "etc-passwd");
    slug_is(".hidden", "hidden");
    slug_is("Acme — “Group”", "acme-group");
    slug_is("", NULL);
    slug_is("   ", NULL);
    slug_is("!!!", NULL);
    slug_is("— ’", NULL);
    slug_is("\xff\xfe", NULL);
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    char *s = capture_slug(longname);
    ASSERT(s && strlen(s) == 120);
    free(s);
}

static char *render(int kind, const char *tpl, const capture_vars *v)
{
    size_t n;
    char *s = capture_render(kind, tpl, strlen(tpl), v, &n);
    if (strlen(s) != n) abort();
    return s;
}

static void test_render_defaults(void)
{
    capture_vars v = {"acme", "2026-11-23", "10:05", "Acme Corp \xE2\x80\x94 2026-11-23"};
    char *s = render(CAPTURE_TPL_MEETING, capture_template_default(CAPTURE_TPL_MEETING), &v);
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\ntags: []\n---\n"
                     "# Acme Corp \xE2\x80\x94 2026-11-23\n\n## Notes\n\n## Next steps\n"
                     "<!-- Agree on the next step before you hang up: - [ ] what @owner "
                     "due:YYYY-MM-DD -->\n");
    parse_note pn;
    parse_note_text("meetings/2026-11-23-acme.md", s, strlen(s), &pn);
    ASSERT_EQ(pn.type, PARSE_MEETING);
    ASSERT_STR_EQ(pn.client, "acme");
    ASSERT_STR_EQ(pn.date, "2026-11-23");
    ASSERT_NULL(pn.fm.error);
    ASSERT_EQ(pn.n_tasks, 0);
    parse_note_free(&pn);
    free(s);

    capture_vars c = {"acme-corp", "2026-11-23", "10:05", "Acme Corp"};
    s = render(CAPTURE_TPL_CLIENT, capture_template_default(CAPTURE_TPL_CLIENT), &c);
    parse_note_text("clients/acme-corp.md", s, strlen(s), &pn);
    ASSERT_EQ(pn.type, PARSE_CLIENT);
    ASSERT_STR_EQ(pn.client, "acme-corp");
    ASSERT_STR_EQ(pn.title, "Acme Corp");
    ASSERT_NULL(pn.fm.error);
    ASSERT_EQ(pn.n_sections, 7);
    ASSERT_EQ(pn.n_items, 0); /* the prompts are comments, not items */
    ASSERT_EQ(pn.n_tags, 0);
    ASSERT_EQ(pn.n_mentions, 0);
    for (int k = 0; k < SEC_COUNT; k++)
        if (k != SEC_NEXT_STEPS) ASSERT(parse_find_section(&pn, k) != NULL);
    parse_note_free(&pn);
    ASSERT(strstr(s, "<!-- What outcomes do they want this year?") != NULL);
    ASSERT(strstr(s, "Ask, don't guess. -->") != NULL);
    free(s);
}

static void test_render_missing_keys(void)
{
    capture_vars v = {"acme", "2026-11-23", "10:05", "Acme \xE2\x80\x94 2026-11-23"};
    /* no frontmatter at all */
    char *s = render(CAPTURE_TPL_MEETING, "# {{title}}\nat {{time}} {{unknown}} {{ date }}\n", &v);
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n"
                     "# Acme \xE2\x80\x94 2026-11-23\nat 10:05 {{unknown}} 2026-11-23\n");
    free(s);
    /* some keys present, one empty, CRLF kept */
    s = render(CAPTURE_TPL_MEETING, "---\r\ntags: [call]\r\nclient:\r\ntype: meeting\r\n---\r\n## Notes\r\n",
               &v);
    ASSERT_STR_EQ(s, "---\r\ndate: 2026-11-23\r\ntags: [call]\r\nclient: acme\r\ntype: meeting\r\n"
                     "---\r\n## Notes\r\n");
    free(s);
    /* client template: only `type` is added */
    capture_vars c = {"acme", "2026-11-23", "10:05", "Acme"};
    s = render(CAPTURE_TPL_CLIENT, "---\ncadence: 14\n---\n# {{title}}\n", &c);
    ASSERT_STR_EQ(s, "---\ntype: client\ncadence: 14\n---\n# Acme\n");
    free(s);
    s = render(CAPTURE_TPL_CLIENT, "", &c);
    ASSERT_STR_EQ(s, "---\ntype: client\n---\n");
    free(s);
    /* values that YAML would misread are quoted in the frontmatter only */
    capture_vars q = {"3m", "2026-11-23", "10:05", "Deal: \"big\" #1"};
    s = render(CAPTURE_TPL_MEETING, "---\ntitle: {{title}}\nclient: {{client}}\n---\n# {{title}}\n", &q);
    ASSERT_STR_EQ(s, "---\ntype: meeting\ndate: 2026-11-23\ntitle: \"Deal: \\\"big\\\" #1\"\n"
                     "client: 3m\n---\n# Deal: \"big\" #1\n");
    free(s);
    capture_vars n = {"2024", "2026-11-23", "10:05", "x"};
    s = render(CAPTURE_TPL_MEETING, "# {{title}}\n", &n);
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: \"2024\"\ndate: 2026-11-23\n---\n# x\n");
    parse_note pn;
    parse_note_text("meetings/x.md", s, strlen(s), &pn);
    ASSERT_STR_EQ(pn.client, "2024");
    parse_note_free(&pn);
    free(s);
}

static void entry_is(const char *raw, const char *want, int want_task)
{
    char *line;
    int task;
    edit_error err = {0};
    int rc = capture_entry(raw, strlen(raw), "10:05", &line, &task, &err);
    if (rc) {
        TEST_FAIL_AT("entry(%s): error %s", raw, err.msg);
        return;
    }
    if (strcmp(line, want) || task != want_task)
        TEST_FAIL_AT("entry(%s) = \"%s\" (task %d), wanted \"%s\" (task %d)", raw, line, task,
                     want, want_task);
    free(line);
}

static void test_entry(void)
{
    entry_is("asked about pricing", "- 10:05 asked about pricing", 0);
    entry_is("  line one\n  line two \r\nthree\n\n", "- 10:05 line one line two three", 0);
    entry_is("tab\there\x01\x7f and \xC2\x85next", "- 10:05 tab here and next", 0);
    entry_is("[] send deck @dana due:2026-12-01", "- [ ] send deck @dana due:2026-12-01", 1);
    entry_is("[ ] send deck", "- [ ] send deck", 1);
    entry_is("- [ ] send deck", "- [ ] send deck", 1);
    entry_is("* [] send deck", "- [ ] send deck", 1);
    entry_is("[x] done already", "- 10:05 [x] done already", 0);
    entry_is("[]x", "- 10:05 []x", 0);
    entry_is("- they want SSO", "- 10:05 they want SSO", 0);
    entry_is("#risk budget frozen", "- 10:05 #risk budget frozen", 0);
    entry_is("Café — naïve 日本語 🎉", "- 10:05 Café — naïve 日本語 🎉", 0);
    entry_is("see <!-- draft", "- 10:05 see <\\!-- draft", 0);
    char *line;
    int task;
    edit_error err;
    ASSERT_EQ(capture_entry("a\0b", 3, "10:05", &line, &task, &err), 0);
    ASSERT_STR_EQ(line, "- 10:05 ab"); /* a NUL is dropped, not the rest */
    free(line);
    entry_is("kept <!-- c --> ok", "- 10:05 kept <!-- c --> ok", 0);
    ASSERT_EQ(capture_entry("", 0, "10:05", &line, &task, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "empty") != NULL);
    ASSERT_EQ(capture_entry(" \n\t\r\n", 5, "10:05", &line, &task, &err), EDIT_EINVAL);
    ASSERT_EQ(capture_entry("[ ]  ", 5, "10:05", &line, &task, &err), EDIT_EINVAL);
    ASSERT_EQ(capture_entry("bad \xC3\x28 utf8", 12, "10:05", &line, &task, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "UTF-8") != NULL);
    ASSERT_EQ(capture_entry("\xED\xA0\x80", 3, "10:05", &line, &task, &err), EDIT_EINVAL);
}

static void test_place_notes_exists(void)
{
    int line;
    const char *t = "---\ntype: meeting\nclient: acme\n---\n# Acme\n\n## Notes\n- 10:00 hello\n"
                    "- 10:01 more\n  - nested\n\n\n## Next steps\n- [ ] x\n";
    char *s = ins(t, "new thing", &line);
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\n---\n# Acme\n\n## Notes\n- 10:00 hello\n"
                     "- 10:01 more\n  - nested\n- 10:05 new thing\n\n\n## Next steps\n- [ ] x\n");
    ASSERT_EQ(line, 11);
    free(s);
    /* empty Notes right before the next heading */
    s = ins("# A\n## Notes\n## Next steps\n", "x", &line);
    ASSERT_STR_EQ(s, "# A\n## Notes\n- 10:05 x\n## Next steps\n");
    ASSERT_EQ(line, 3);
    free(s);
    /* empty Notes with a blank line */
    s = ins("## Notes\n\n## Next steps\n", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n- 10:05 x\n\n## Next steps\n");
    ASSERT_EQ(line, 2);
    free(s);
    /* Notes followed by other sections, prose last */
    s = ins("## Notes\nSome prose here.\n\n## Stakeholders\n- @dana\n\n## Parking lot\n", "x",
            &line);
    ASSERT_STR_EQ(s, "## Notes\nSome prose here.\n- 10:05 x\n\n## Stakeholders\n- @dana\n\n"
                     "## Parking lot\n");
    ASSERT_EQ(line, 3);
    free(s);
    /* setext heading */
    s = ins("Notes\n-----\n\nOther\n-----\n", "x", &line);
    ASSERT_STR_EQ(s, "Notes\n-----\n- 10:05 x\n\nOther\n-----\n");
    ASSERT_EQ(line, 3);
    free(s);
    /* a level-2 setext heading under a level-1 one is nested in it */
    s = ins("Notes\n=====\n\nOther\n-----\n", "x", &line);
    ASSERT_STR_EQ(s, "Notes\n=====\n\nOther\n-----\n- 10:05 x\n");
    ASSERT_EQ(line, 6);
    free(s);
    /* Notes with an HTML comment prompt */
    s = ins("## Notes\n<!-- type here -->\n\n## Next steps\n", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n<!-- type here -->\n- 10:05 x\n\n## Next steps\n");
    free(s);
}

static void test_place_nested(void)
{
    int line;
    /* a plain subheading belongs to Notes: the line goes at the very end */
    char *s = ins("## Notes\n- a\n\n### Pricing\n- b\n\n## Next steps\n- [ ] t\n", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n- a\n\n### Pricing\n- b\n- 10:05 x\n\n## Next steps\n- [ ] t\n");
    ASSERT_EQ(line, 6);
    free(s);
    /* a recognised section nested in Notes: before it */
    const char *t = "# M\n## Notes\n- a\n\n### Next steps\n- [ ] t\n\n## Other\ntext\n";
    s = ins(t, "x", &line);
    ASSERT_STR_EQ(s, "# M\n## Notes\n- a\n- 10:05 x\n\n### Next steps\n- [ ] t\n\n## Other\ntext\n");
    ASSERT_EQ(line, 4);
    free(s);
    s = ins(t, "[ ] call back", &line);
    ASSERT_STR_EQ(s, "# M\n## Notes\n- a\n\n### Next steps\n- [ ] t\n- [ ] call back\n\n## Other\n"
                     "text\n");
    ASSERT_EQ(line, 7);
    free(s);
    /* Notes inside a level-1 section: only deeper headings are inside it */
    s = ins("# Call\n### Notes\n- a\n## Decisions\n- d\n", "x", &line);
    ASSERT_STR_EQ(s, "# Call\n### Notes\n- a\n- 10:05 x\n## Decisions\n- d\n");
    free(s);
}

static void test_place_notes_missing(void)
{
    int line;
    /* before Next steps, same level */
    char *s = ins("---\nclient: acme\n---\n# Acme\n\n### Next steps\n- [ ] t\n", "x", &line);
    ASSERT_STR_EQ(s, "---\nclient: acme\n---\n# Acme\n\n### Notes\n- 10:05 x\n\n### Next steps\n"
                     "- [ ] t\n");
    ASSERT_EQ(line, 7);
    free(s);
    /* no blank line before Next steps: one is added */
    s = ins("# Acme\nintro\n## Next steps\n", "x", &line);
    ASSERT_STR_EQ(s, "# Acme\nintro\n\n## Notes\n- 10:05 x\n\n## Next steps\n");
    ASSERT_EQ(line, 5);
    free(s);
    /* neither: at the end, level 2 */
    s = ins("# Acme\n\nsome text\n", "x", &line);
    ASSERT_STR_EQ(s, "# Acme\n\nsome text\n\n## Notes\n- 10:05 x\n");
    ASSERT_EQ(line, 6);
    free(s);
    /* level of the note's other sections */
    s = ins("# Acme\n### Needs\n- n\n", "x", &line);
    ASSERT_STR_EQ(s, "# Acme\n### Needs\n- n\n\n### Notes\n- 10:05 x\n");
    free(s);
    /* empty file */
    s = ins("", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n- 10:05 x\n");
    ASSERT_EQ(line, 2);
    free(s);
    /* ends with blank lines: no extra one */
    s = ins("# A\n\n", "x", &line);
    ASSERT_STR_EQ(s, "# A\n\n## Notes\n- 10:05 x\n");
    ASSERT_EQ(line, 4);
    free(s);
}

static void test_place_tasks(void)
{
    int line;
    const char *t = "## Notes\n- 10:00 a\n\n## Next steps\n- [ ] first\n\n## Parking lot\n- p\n";
    const char *forms[] = {"[] send deck", "[ ] send deck", "- [ ] send deck"};
    for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
        char *s = ins(t, forms[i], &line);
        ASSERT_STR_EQ(s, "## Notes\n- 10:00 a\n\n## Next steps\n- [ ] first\n- [ ] send deck\n\n"
                         "## Parking lot\n- p\n");
        ASSERT_EQ(line, 6);
        free(s);
    }
    /* Next steps missing: at the end, Notes' level */
    char *s = ins("# M\n### Notes\n- 10:00 a\n", "[ ] send deck", &line);
    ASSERT_STR_EQ(s, "# M\n### Notes\n- 10:00 a\n\n### Next steps\n- [ ] send deck\n");
    ASSERT_EQ(line, 6);
    free(s);
    /* the result parses as an open task in Next steps */
    parse_note pn;
    const char *r = "## Next steps\n- [ ] send deck @dana due:2026-12-01\n";
    parse_note_text("m.md", r, strlen(r), &pn);
    ASSERT_EQ(pn.n_tasks, 1);
    parse_note_free(&pn);
    s = ins("## Next steps\n", "[] send deck @dana due:2026-12-01", &line);
    ASSERT_STR_EQ(s, r);
    free(s);
}

static void test_place_line_endings(void)
{
    int line;
    /* CRLF kept */
    char *s = ins("---\r\nclient: acme\r\n---\r\n## Notes\r\n- a\r\n\r\n## Next steps\r\n", "x",
                  &line);
    ASSERT_STR_EQ(s, "---\r\nclient: acme\r\n---\r\n## Notes\r\n- a\r\n- 10:05 x\r\n\r\n"
                     "## Next steps\r\n");
    ASSERT_EQ(line, 6);
    free(s);
    s = ins("# A\r\ntext\r\n", "[] t", &line);
    ASSERT_STR_EQ(s, "# A\r\ntext\r\n\r\n## Next steps\r\n- [ ] t\r\n");
    free(s);
    /* no final newline: kept that way */
    s = ins("## Notes\n- a", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n- a\n- 10:05 x");
    ASSERT_EQ(line, 3);
    free(s);
    s = ins("## Notes\r\n- a", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\r\n- a\r\n- 10:05 x");
    free(s);
    s = ins("# A\ntext", "x", &line);
    ASSERT_STR_EQ(s, "# A\ntext\n\n## Notes\n- 10:05 x");
    ASSERT_EQ(line, 5);
    free(s);
    /* no final newline, Notes not last */
    s = ins("## Notes\n- a\n\n## Next steps\n- [ ] t", "x", &line);
    ASSERT_STR_EQ(s, "## Notes\n- a\n- 10:05 x\n\n## Next steps\n- [ ] t");
    free(s);
}

static void test_place_refuses(void)
{
    int line;
    /* an unclosed fence swallows the end of Notes: refused, nothing lost */
    char *s = ins("## Notes\n```\ncode\n", "x", &line);
    ASSERT(!strncmp(s, "ERR:-7", 6));
    ASSERT(strstr(s, "nothing was written") != NULL);
    free(s);
}

/* -------------------------------------------------------------------- I/O */

static void test_init(void)
{
    mk_vault();
    capture_result r;
    edit_error err;
    ASSERT_EQ(capture_init(vault, &r, &err), 0);
    ASSERT_STR_EQ(r.path, ".rapport");
    ASSERT_EQ(r.n_created, 3);
    ASSERT_EQ(r.n_kept, 0);
    ASSERT_STR_EQ(r.created_files[0], ".rapport/config.json");
    capture_result_free(&r);
    char *s = get(".rapport/templates/meeting.md");
    ASSERT_STR_EQ(s, capture_template_default(CAPTURE_TPL_MEETING));
    free(s);
    s = get(".rapport/templates/client.md");
    ASSERT_STR_EQ(s, capture_template_default(CAPTURE_TPL_CLIENT));
    free(s);
    s = get(".rapport/config.json");
    ASSERT(s[0] == '{');
    free(s);
    /* never overwrites */
    put(".rapport/config.json", "{\"team\": [\"me\"]}\n");
    put(".rapport/templates/client.md", "mine\n");
    char *p = vpath(".rapport/templates/meeting.md");
    unlink(p);
    free(p);
    ASSERT_EQ(capture_init(vault, &r, &err), 0);
    ASSERT_EQ(r.n_created, 1);
    ASSERT_STR_EQ(r.created_files[0], ".rapport/templates/meeting.md");
    ASSERT_EQ(r.n_kept, 2);
    capture_result_free(&r);
    s = get(".rapport/config.json");
    ASSERT_STR_EQ(s, "{\"team\": [\"me\"]}\n");
    free(s);
    s = get(".rapport/templates/client.md");
    ASSERT_STR_EQ(s, "mine\n");
    free(s);
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
    /* .rapport is a file */
    mk_vault();
    put(".rapport", "x");
    ASSERT_EQ(capture_init(vault, &r, &err), EDIT_EIO);
    ASSERT(strstr(err.msg, "not a directory") != NULL);
    capture_result_free(&r);
    rm_vault();
}

static void test_new_client(void)
{
    mk_vault();
    capture_when w = when("2026-11-23T10:05");
    capture_result r;
    edit_error err;
    ASSERT_EQ(capture_new_client(vault, "Acme Corp", &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "clients/acme-corp.md");
    ASSERT_EQ(r.n_warnings, 0);
    capture_result_free(&r);
    char *s = get("clients/acme-corp.md");
    ASSERT(!strncmp(s, "---\ntype: client\ntags: []\n", 26));
    ASSERT(strstr(s, "\n# Acme Corp\n") != NULL);
    ASSERT(strstr(s, "## Stakeholders\n") != NULL);
    free(s);
    /* exists: refused, untouched */
    put("clients/acme-corp.md", "mine\n");
    ASSERT_EQ(capture_new_client(vault, "acme  CORP", &w, &r, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "clients/acme-corp.md already exists") != NULL);
    capture_result_free(&r);
    s = get("clients/acme-corp.md");
    ASSERT_STR_EQ(s, "mine\n");
    free(s);
    /* same id in another case */
    put("clients/Globex.md", "g\n");
    ASSERT_EQ(capture_new_client(vault, "globex", &w, &r, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "clients/Globex.md") != NULL);
    capture_result_free(&r);
    ASSERT(!exists("clients/globex.md"));
    /* empty slug */
    ASSERT_EQ(capture_new_client(vault, "?!", &w, &r, &err), EDIT_EINVAL);
    ASSERT(strstr(err.msg, "empty file name") != NULL);
    capture_result_free(&r);
    /* unicode */
    ASSERT_EQ(capture_new_client(vault, "Société Générale", &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "clients/société-générale.md");
    capture_result_free(&r);
    s = get("clients/société-générale.md");
    ASSERT(strstr(s, "\n# Société Générale\n") != NULL);
    free(s);
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
}

static void test_new_meeting(void)
{
    mk_vault();
    capture_when w = when("2026-11-23T10:05");
    capture_result r;
    edit_error err;
    ASSERT_EQ(capture_new_meeting(vault, "Acme", "Acme Corp", NULL, &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme.md");
    capture_result_free(&r);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT(!strncmp(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n", 46));
    ASSERT(strstr(s, "\n# Acme Corp \xE2\x80\x94 2026-11-23\n") != NULL);
    free(s);
    /* taken: -2, -3; never overwritten */
    ASSERT_EQ(capture_new_meeting(vault, "acme", NULL, "", &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme-2.md");
    capture_result_free(&r);
    s = get("meetings/2026-11-23-acme-2.md");
    ASSERT(strstr(s, "\n# acme \xE2\x80\x94 2026-11-23\n") != NULL);
    free(s);
    ASSERT_EQ(capture_new_meeting(vault, "acme", NULL, NULL, &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme-3.md");
    capture_result_free(&r);
    /* --date */
    ASSERT_EQ(capture_new_meeting(vault, "acme", NULL, "2026-12-01", &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-12-01-acme.md");
    capture_result_free(&r);
    ASSERT_EQ(capture_new_meeting(vault, "acme", NULL, "2026-12-32", &w, &r, &err), EDIT_EINVAL);
    capture_result_free(&r);
    ASSERT_EQ(capture_new_meeting(vault, "--", NULL, NULL, &w, &r, &err), EDIT_EINVAL);
    capture_result_free(&r);
    /* a client id with a space: file name slugged, client kept */
    ASSERT_EQ(capture_new_meeting(vault, "Acme Corp", NULL, NULL, &w, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme-corp.md");
    capture_result_free(&r);
    s = get("meetings/2026-11-23-acme-corp.md");
    ASSERT(strstr(s, "\nclient: acme corp\n") != NULL);
    free(s);
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
}

static void test_user_templates(void)
{
    mk_vault();
    capture_when w = when("2026-11-23T10:05");
    capture_result r;
    edit_error err;
    /* lacks type/client/date: added */
    put(".rapport/templates/meeting.md", "# {{title}} at {{time}}\n\n## Agenda\n\n## Notes\n");
    ASSERT_EQ(capture_new_meeting(vault, "acme", NULL, NULL, &w, &r, &err), 0);
    ASSERT_EQ(r.n_warnings, 0);
    capture_result_free(&r);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n"
                     "# acme \xE2\x80\x94 2026-11-23 at 10:05\n\n## Agenda\n\n## Notes\n");
    free(s);
    /* capture uses it too */
    capture_req q = {"globex", NULL, NULL, 0, 1, w};
    ASSERT_EQ(capture_note(vault, &q, "hello", 5, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-globex.md");
    ASSERT_EQ(r.line, 11);
    capture_result_free(&r);
    s = get("meetings/2026-11-23-globex.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: globex\ndate: 2026-11-23\n---\n"
                     "# globex \xE2\x80\x94 2026-11-23 at 10:05\n\n## Agenda\n\n## Notes\n"
                     "- 10:05 hello\n");
    free(s);
    /* a template that makes something else: the built-in one, with a warning */
    put(".rapport/templates/meeting.md", "---\ntype: note\n---\n# {{title}}\n");
    ASSERT_EQ(capture_new_meeting(vault, "initech", NULL, NULL, &w, &r, &err), 0);
    ASSERT_EQ(r.n_warnings, 1);
    ASSERT(strstr(r.warnings[0], "used the built-in template") != NULL);
    capture_result_free(&r);
    s = get("meetings/2026-11-23-initech.md");
    ASSERT(!strncmp(s, capture_template_default(CAPTURE_TPL_MEETING), 4));
    ASSERT(strstr(s, "type: meeting") != NULL);
    free(s);
    /* not UTF-8: built-in, with a warning */
    put(".rapport/templates/client.md", "# \xff {{title}}\n");
    ASSERT_EQ(capture_new_client(vault, "Umbrella", &w, &r, &err), 0);
    ASSERT_EQ(r.n_warnings, 1);
    ASSERT(strstr(r.warnings[0], "not valid UTF-8") != NULL);
    capture_result_free(&r);
    /* a good client template */
    put(".rapport/templates/client.md", "# {{title}}\n\n## Needs\n");
    ASSERT_EQ(capture_new_client(vault, "Hooli", &w, &r, &err), 0);
    capture_result_free(&r);
    s = get("clients/hooli.md");
    ASSERT_STR_EQ(s, "---\ntype: client\n---\n# Hooli\n\n## Needs\n");
    free(s);
    rm_vault();
}

static void test_capture_flow(void)
{
    mk_vault();
    capture_when w = when("2026-11-23T10:05");
    capture_result r;
    edit_error err;
    capture_req q = {"Acme", "Acme Corp", NULL, 0, 1, w};
    /* no note yet: created from the template */
    ASSERT_EQ(capture_note(vault, &q, "kickoff", 7, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme.md");
    ASSERT_EQ(r.created, 1);
    ASSERT_EQ(r.line, 10);
    ASSERT_EQ(r.n_warnings, 0);
    capture_result_free(&r);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\ntags: []\n---\n"
                     "# Acme Corp \xE2\x80\x94 2026-11-23\n\n## Notes\n- 10:05 kickoff\n\n"
                     "## Next steps\n<!-- Agree on the next step before you hang up: - [ ] what "
                     "@owner due:YYYY-MM-DD -->\n");
    free(s);
    /* again, no candidates (index lagging): the same note */
    q.now = when("2026-11-23T10:07");
    ASSERT_EQ(capture_note(vault, &q, "second\nline", 11, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme.md");
    ASSERT_EQ(r.created, 0);
    ASSERT_EQ(r.line, 11);
    capture_result_free(&r);
    ASSERT_EQ(capture_note(vault, &q, "[] send deck", 12, &r, &err), 0);
    ASSERT_EQ(r.line, 15);
    capture_result_free(&r);
    s = get("meetings/2026-11-23-acme.md");
    ASSERT(strstr(s, "## Notes\n- 10:05 kickoff\n- 10:07 second line\n\n## Next steps\n<!--") != NULL);
    ASSERT(strstr(s, "-->\n- [ ] send deck\n") != NULL);
    free(s);

    /* candidates: the first valid one by path */
    put("a/zz.md", "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n## Notes\n");
    put("a/bb.md", "---\ntype: meeting\nclient: ACME\ndate: 2026-11-23\n---\n## Notes\n- x\n");
    put("a/aa.md", "---\ntype: meeting\nclient: acme\ndate: 2026-11-22\n---\n## Notes\n");
    const char *cands[] = {"a/zz.md", "a/missing.md", "a/bb.md", "a/aa.md"};
    q.candidates = cands;
    q.n_candidates = 4;
    ASSERT_EQ(capture_note(vault, &q, "here", 4, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "a/bb.md");
    ASSERT_EQ(r.line, 8);
    capture_result_free(&r);
    s = get("a/bb.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: ACME\ndate: 2026-11-23\n---\n## Notes\n- x\n"
                     "- 10:07 here\n");
    free(s);
    s = get("a/aa.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-22\n---\n## Notes\n");
    free(s);
    q.candidates = NULL;
    q.n_candidates = 0;

    /* the default name taken by something else: -2, then reused */
    put("meetings/2026-11-23-globex.md", "# not a meeting of globex\n---\n");
    put("meetings/2026-11-23-globex.md", "---\ntype: meeting\nclient: other\n---\n");
    capture_req g = {"globex", NULL, NULL, 0, 0, w};
    ASSERT_EQ(capture_note(vault, &g, "one", 3, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-globex-2.md");
    ASSERT_EQ(r.n_warnings, 1); /* unknown client */
    ASSERT(strstr(r.warnings[0], "unknown client 'globex'") != NULL);
    capture_result_free(&r);
    ASSERT_EQ(capture_note(vault, &g, "two", 3, &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-globex-2.md");
    ASSERT_EQ(r.created, 0);
    capture_result_free(&r);
    s = get("meetings/2026-11-23-globex.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: other\n---\n");
    free(s);

    /* CRLF note, no final newline, Notes missing */
    put("meetings/2026-11-23-initech.md",
        "---\r\ntype: meeting\r\nclient: initech\r\ndate: 2026-11-23\r\n---\r\n# I\r\n\r\n"
        "## Next steps\r\n- [ ] a");
    capture_req i = {"initech", NULL, NULL, 0, 1, w};
    ASSERT_EQ(capture_note(vault, &i, "note", 4, &r, &err), 0);
    ASSERT_EQ(r.line, 9);
    capture_result_free(&r);
    ASSERT_EQ(capture_note(vault, &i, "- [ ] b", 7, &r, &err), 0);
    ASSERT_EQ(r.line, 13);
    capture_result_free(&r);
    s = get("meetings/2026-11-23-initech.md");
    ASSERT_STR_EQ(s, "---\r\ntype: meeting\r\nclient: initech\r\ndate: 2026-11-23\r\n---\r\n# I\r\n"
                     "\r\n## Notes\r\n- 10:05 note\r\n\r\n## Next steps\r\n- [ ] a\r\n- [ ] b");
    free(s);

    /* unicode, and bad input leaves nothing behind */
    capture_req u = {"société", NULL, NULL, 0, 1, w};
    const char *txt = "Réunion: 日本語 ✓ — “quotes”";
    ASSERT_EQ(capture_note(vault, &u, txt, strlen(txt), &r, &err), 0);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-société.md");
    capture_result_free(&r);
    s = get("meetings/2026-11-23-société.md");
    ASSERT(strstr(s, "\n- 10:05 Réunion: 日本語 ✓ — “quotes”\n") != NULL);
    ASSERT(strstr(s, "\nclient: société\n") != NULL);
    free(s);
    capture_req b = {"bad", NULL, NULL, 0, 1, w};
    ASSERT_EQ(capture_note(vault, &b, "\xff", 1, &r, &err), EDIT_EINVAL);
    capture_result_free(&r);
    ASSERT_EQ(capture_note(vault, &b, "   ", 3, &r, &err), EDIT_EINVAL);
    capture_result_free(&r);
    ASSERT(!exists("meetings/2026-11-23-bad.md"));
    capture_req nc = {"", NULL, NULL, 0, 1, w};
    ASSERT_EQ(capture_note(vault, &nc, "x", 1, &r, &err), EDIT_EINVAL);
    capture_result_free(&r);
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
}

/* ------------------------------------------------------------------ faults */

static int fault_op, fault_errno;
enum { F_NONE, F_OPEN_CREAT, F_WRITE, F_FSYNC, F_FSYNC_DIR, F_RENAME, F_LINK, F_MKDIR };

static int f_open(const char *p, int fl, mode_t m)
{
    if (fault_op == F_OPEN_CREAT && (fl & O_CREAT)) return errno = fault_errno, -1;
    return open(p, fl, m);
}
static ssize_t f_write(int fd, const void *b, size_t n)
{
    static int calls;
    if (fault_op == F_WRITE) {
        if (calls++ % 2 == 0 && n > 1) return write(fd, b, 1); /* partial, then fail */
        return errno = fault_errno, -1;
    }
    return write(fd, b, n);
}
static int f_fsync(int fd)
{
    struct stat st;
    fstat(fd, &st);
    if (fault_op == F_FSYNC && !S_ISDIR(st.st_mode)) return errno = fault_errno, -1;
    if (fault_op == F_FSYNC_DIR && S_ISDIR(st.st_mode)) return errno = fault_errno, -1;
    return fsync(fd);
}
static int f_rename(const char *a, const char *b)
{
    if (fault_op == F_RENAME) return errno = fault_errno, -1;
    return rename(a, b);
}
static int f_link(const char *a, const char *b)
{
    if (fault_op == F_LINK) return errno = fault_errno, -1;
    return link(a, b);
}
static int f_mkdir(const char *p, mode_t m)
{
    if (fault_op == F_MKDIR) return errno = fault_errno, -1;
    return mkdir(p, m);
}

static void faults_on(void)
{
    edit_syscalls.open = f_open;
    edit_syscalls.write = f_write;
    edit_syscalls.fsync = f_fsync;
    edit_syscalls.rename = f_rename;
    capture_syscalls.link = f_link;
    capture_syscalls.mkdir = f_mkdir;
}

static void faults_off(void)
{
    fault_op = F_NONE;
    edit_sys_reset();
    capture_sys_reset();
}

static const char *reason_of(int e)
{
    return e == ENOSPC   ? "disk is full"
           : e == EROFS  ? "read-only"
           : e == EACCES ? "permission denied"
                         : "I/O error";
}

static void test_faults_existing(void)
{
    mk_vault();
    const char *orig = "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n## Notes\n- a\n";
    put("meetings/2026-11-23-acme.md", orig);
    capture_req q = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    static const int ops[] = {F_OPEN_CREAT, F_WRITE, F_FSYNC, F_RENAME};
    static const int errs[] = {ENOSPC, EROFS, EIO, EACCES};
    faults_on();
    for (size_t i = 0; i < ARRAY_LEN(ops); i++)
        for (size_t j = 0; j < ARRAY_LEN(errs); j++) {
            fault_op = ops[i];
            fault_errno = errs[j];
            capture_result r;
            edit_error err;
            int rc = capture_note(vault, &q, "lost?", 5, &r, &err);
            capture_result_free(&r);
            if (rc != EDIT_EIO || !strstr(err.msg, reason_of(errs[j])) ||
                !strstr(err.msg, "nothing was written") || strchr(err.msg, '\n')) {
                faults_off();
                TEST_FAIL_AT("op %d errno %d: rc %d msg %s", ops[i], errs[j], rc, err.msg);
                return;
            }
            char *s = get("meetings/2026-11-23-acme.md");
            int same = !strcmp(s, orig);
            free(s);
            if (!same || temps_in(vault)) {
                faults_off();
                TEST_FAIL_AT("op %d errno %d: note changed or temp left", ops[i], errs[j]);
                return;
            }
        }
    /* after the rename: the directory fsync fails -> said so, not "nothing written" */
    fault_op = F_FSYNC_DIR;
    fault_errno = EIO;
    capture_result r;
    edit_error err;
    int rc = capture_note(vault, &q, "maybe", 5, &r, &err);
    faults_off();
    ASSERT_EQ(rc, EDIT_EIO);
    ASSERT(strstr(err.msg, "did not confirm") != NULL);
    ASSERT_STR_EQ(r.path, "meetings/2026-11-23-acme.md");
    ASSERT_EQ(r.line, 8);
    capture_result_free(&r);
    ASSERT_EQ(temps_in(vault), 0);
    /* and with the faults gone, it works */
    ASSERT_EQ(capture_note(vault, &q, "ok", 2, &r, &err), 0);
    capture_result_free(&r);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT(strstr(s, "- a\n- 10:05 maybe\n- 10:05 ok\n") != NULL);
    free(s);
    rm_vault();
}

static void test_faults_new(void)
{
    mk_vault();
    capture_req q = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    static const int ops[] = {F_MKDIR, F_OPEN_CREAT, F_WRITE, F_FSYNC, F_LINK, F_FSYNC_DIR};
    static const int errs[] = {ENOSPC, EROFS, EIO, EACCES};
    faults_on();
    for (size_t i = 0; i < ARRAY_LEN(ops); i++)
        for (size_t j = 0; j < ARRAY_LEN(errs); j++) {
            fault_op = ops[i];
            fault_errno = errs[j];
            capture_result r;
            edit_error err;
            int rc = capture_note(vault, &q, "first", 5, &r, &err);
            capture_result_free(&r);
            if (rc != EDIT_EIO || !strstr(err.msg, reason_of(errs[j])) ||
                !strstr(err.msg, "meetings/2026-11-23-acme.md")) {
                faults_off();
                TEST_FAIL_AT("op %d errno %d: rc %d msg %s", ops[i], errs[j], rc, err.msg);
                return;
            }
            /* no half-made note, no temp, no empty directory left */
            if (exists("meetings") || temps_in(vault)) {
                faults_off();
                TEST_FAIL_AT("op %d errno %d: something was left", ops[i], errs[j]);
                return;
            }
        }
    /* meetings/ exists: the link, or the directory fsync after it, fails */
    faults_off();
    char *md = vpath("meetings");
    mkdir(md, 0755);
    free(md);
    faults_on();
    static const int late[] = {F_LINK, F_FSYNC_DIR};
    for (size_t i = 0; i < ARRAY_LEN(late); i++) {
        fault_op = late[i];
        fault_errno = EIO;
        capture_result r;
        edit_error err;
        int rc = capture_note(vault, &q, "first", 5, &r, &err);
        capture_result_free(&r);
        if (rc != EDIT_EIO || !strstr(err.msg, "nothing was written") ||
            exists("meetings/2026-11-23-acme.md") || !exists("meetings") || temps_in(vault)) {
            faults_off();
            TEST_FAIL_AT("late op %d: rc %d msg %s", late[i], rc, err.msg);
            return;
        }
    }
    /* new client and init: the same */
    fault_op = F_FSYNC;
    fault_errno = ENOSPC;
    capture_result r;
    edit_error err;
    capture_when w = when("2026-11-23T10:05");
    ASSERT_EQ(capture_new_client(vault, "Acme", &w, &r, &err), EDIT_EIO);
    capture_result_free(&r);
    ASSERT(strstr(err.msg, "free some space") != NULL);
    ASSERT(!exists("clients"));
    ASSERT_EQ(capture_init(vault, &r, &err), EDIT_EIO);
    capture_result_free(&r);
    ASSERT(!exists(".rapport"));
    faults_off();
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
}

/* Someone saves the note between our read and our write: the entry is
 * placed again in their text; both survive. */
static int race_calls;
static char race_path[512];
static int f_open_race(const char *p, int fl, mode_t m)
{
    if (!(fl & O_CREAT) && !strcmp(p, race_path) && ++race_calls == 2) {
        FILE *f = fopen(p, "ab");
        fputs("- 10:04 typed in the editor\n", f);
        fclose(f);
    }
    return open(p, fl, m);
}

static void test_concurrent_save(void)
{
    mk_vault();
    put("meetings/2026-11-23-acme.md",
        "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n## Notes\n- a\n");
    char *p = vpath("meetings/2026-11-23-acme.md");
    char *real = realpath(p, NULL);
    snprintf(race_path, sizeof race_path, "%s", real);
    free(real);
    free(p);
    race_calls = 0;
    edit_syscalls.open = f_open_race;
    capture_req q = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    capture_result r;
    edit_error err;
    int rc = capture_note(vault, &q, "mine", 4, &r, &err);
    edit_sys_reset();
    ASSERT_EQ(rc, 0);
    ASSERT(race_calls >= 3);
    ASSERT_EQ(r.line, 9);
    capture_result_free(&r);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT_STR_EQ(s, "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n## Notes\n- a\n"
                     "- 10:04 typed in the editor\n- 10:05 mine\n");
    free(s);
    ASSERT_EQ(temps_in(vault), 0);
    rm_vault();
}

static void test_permissions(void)
{
    if (geteuid() == 0) return; /* root ignores modes */
    mk_vault();
    const char *orig = "---\ntype: meeting\nclient: acme\ndate: 2026-11-23\n---\n## Notes\n";
    put("meetings/2026-11-23-acme.md", orig);
    char *d = vpath("meetings");
    chmod(d, 0555);
    capture_req q = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    capture_result r;
    edit_error err;
    ASSERT_EQ(capture_note(vault, &q, "x", 1, &r, &err), EDIT_EIO);
    capture_result_free(&r);
    ASSERT(strstr(err.msg, "permission denied") != NULL);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT_STR_EQ(s, orig);
    free(s);
    /* a new note in a read-only directory */
    capture_req g = {"globex", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    ASSERT_EQ(capture_note(vault, &g, "x", 1, &r, &err), EDIT_EIO);
    capture_result_free(&r);
    ASSERT(strstr(err.msg, "permission denied") != NULL);
    chmod(d, 0755);
    free(d);
    /* the vault is gone */
    capture_req v = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    ASSERT_EQ(capture_note("/nonexistent/vault", &v, "x", 1, &r, &err), EDIT_EIO);
    capture_result_free(&r);
    ASSERT(strstr(err.msg, "missing") != NULL);
    rm_vault();
}

/* --------------------------------------------------------------- timing */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* 200 captures into one growing note; prints p50/p99 (SPEC §6: p99 <= 20 ms). */
static void test_timing(void)
{
    mk_vault();
    capture_req q = {"acme", NULL, NULL, 0, 1, when("2026-11-23T10:05")};
    enum { N = 200 };
    uint64_t t[N];
    const char *cand[] = {"meetings/2026-11-23-acme.md"};
    for (int i = 0; i < N; i++) {
        capture_result r;
        edit_error err;
        char txt[96];
        snprintf(txt, sizeof txt, "point %d: they asked about pricing for the EU rollout", i);
        if (i == 1) q.candidates = cand, q.n_candidates = 1;
        uint64_t a = now_ns();
        int rc = capture_note(vault, &q, txt, strlen(txt), &r, &err);
        t[i] = now_ns() - a;
        capture_result_free(&r);
        ASSERT_EQ(rc, 0);
    }
    qsort(t, N, sizeof t[0], cmp_u64);
    printf("  capture durable x%d: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", N, (double)t[N / 2] / 1e6,
           (double)t[N * 99 / 100] / 1e6, (double)t[N - 1] / 1e6);
    char *s = get("meetings/2026-11-23-acme.md");
    ASSERT(strstr(s, "- 10:05 point 199:") != NULL);
    free(s);
    rm_vault();
}

int main(void)
{
    umask(022);
    RUN(test_clock);
    RUN(test_slug);
    RUN(test_render_defaults);
    RUN(test_render_missing_keys);
    RUN(test_entry);
    RUN(test_place_notes_exists);
    RUN(test_place_nested);
    RUN(test_place_notes_missing);
    RUN(test_place_tasks);
    RUN(test_place_line_endings);
    RUN(test_place_refuses);
    RUN(test_init);
    RUN(test_new_client);
    RUN(test_new_meeting);
    RUN(test_user_templates);
    RUN(test_capture_flow);
    RUN(test_faults_existing);
    RUN(test_faults_new);
    RUN(test_concurrent_save);
    RUN(test_permissions);
    RUN(test_timing);
    TEST_END();
}
