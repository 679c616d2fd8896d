/* test_parse.c -- unit tests for the note parser (SPEC §1.2-1.4 and its traps). */
#include "parse.h"
#include "test.h"
#include "util.h"

static parse_note P(const char *path, const char *text)
{
    parse_note n;
    parse_note_text(path, text, strlen(text), &n);
    return n;
}

/* The tags (or mentions) as "a,b,c" for compact assertions. */
static const char *names(const parse_ref *r, size_t n)
{
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, ",");
        strncat(out, r[i].name, sizeof out - strlen(out) - 2);
    }
    return out;
}
#define TAGS(n) names((n).tags, (n).n_tags)
#define MENTIONS(n) names((n).mentions, (n).n_mentions)

/* ---------------------------------------------------------------- tags */

static void test_tag_basic(void)
{
    parse_note n = P("a.md", "#Risk at start, mid #pricing and (#paren) and\t#tab.\n");
    ASSERT_STR_EQ(TAGS(n), "risk,pricing,paren,tab");
    ASSERT_EQ(n.tags[0].line, 1);
    ASSERT_EQ(n.tags[0].col, 0);
    ASSERT_EQ(n.tags[0].end_col, 5);
    ASSERT_EQ(n.tags[0].fm, 0);
    ASSERT_EQ(n.tags[1].col, 20);
    ASSERT_EQ(n.tags[1].end_col, 28);
    parse_note_free(&n);
}

static void test_tag_fenced_code(void)
{
    parse_note n = P("a.md",
                     "#before\n"
                     "```python\n"
                     "#comment @bob\n"
                     "## Priorities\n"
                     "````\n" /* a longer fence closes a shorter one */
                     "#after\n"
                     "~~~\n"
                     "#tilde\n"
                     "```\n" /* a backtick fence does not close a tilde fence */
                     "~~~~ \n"
                     "#end\n");
    ASSERT_STR_EQ(TAGS(n), "before,after,end");
    ASSERT_EQ(n.n_mentions, 0);
    ASSERT_EQ(n.n_headings, 0);
    ASSERT_EQ(n.n_sections, 0);
    parse_note_free(&n);

    /* an unclosed fence runs to the end; info strings with backticks do not open */
    n = P("a.md", "``` a`b\n#yes\n```\n#no\n");
    ASSERT_STR_EQ(TAGS(n), "yes");
    parse_note_free(&n);
}

static void test_tag_indented_code(void)
{
    parse_note n = P("a.md",
                     "Para #one\n"
                     "    #cont continues the paragraph\n"
                     "\n"
                     "    #code block\n"
                     "\tt#x #tabcode\n"
                     "\n"
                     "#two\n");
    ASSERT_STR_EQ(TAGS(n), "one,cont,two");
    parse_note_free(&n);
}

static void test_tag_list_continuation_not_code(void)
{
    parse_note n = P("a.md",
                     "- item #a\n"
                     "    continued #b\n"
                     "\n"
                     "    next paragraph of the item #c\n"
                     "  - nested\n"
                     "\n"
                     "        nested code #d\n"
                     "1. ordered\n"
                     "\n"
                     "    still item #e\n");
    ASSERT_STR_EQ(TAGS(n), "a,b,c,e");
    parse_note_free(&n);
}

static void test_tag_inline_code(void)
{
    parse_note n = P("a.md", "a `#x` b ``c ` #y`` #z ` #w and ```` #v\n");
    /* "` #w and ````" has no closing single backtick: literal, so #w counts;
     * the run of 4 has no partner either */
    ASSERT_STR_EQ(TAGS(n), "z,w,v");
    parse_note_free(&n);
}

static void test_tag_html_comment(void)
{
    parse_note n = P("a.md",
                     "a <!-- #x @bob --> #y\n"
                     "<!--\n"
                     "#hidden\n"
                     "## Priorities\n"
                     "- [ ] no task\n"
                     "--> #after\n"
                     "<!-->#z <!---> #w\n");
    ASSERT_STR_EQ(TAGS(n), "y,after,w");
    ASSERT_EQ(n.n_mentions, 0);
    ASSERT_EQ(n.n_headings, 0);
    ASSERT_EQ(n.n_tasks, 0);
    parse_note_free(&n);

    n = P("a.md", "text <!-- never closed\n#a\n");
    ASSERT_EQ(n.n_tags, 0);
    parse_note_free(&n);
}

static void test_tag_urls(void)
{
    parse_note n = P("a.md",
                     "see http://x.com/page#frag and https://x.com/a?(#q) ok #real\n"
                     "[link](#anchor) [t](http://x/(#p)) <https://x.com/#f> www.x.com/(#w)\n"
                     "[#intext](u) (#yes)\n");
    ASSERT_STR_EQ(TAGS(n), "real,yes");
    parse_note_free(&n);
}

static void test_tag_heading_marker(void)
{
    parse_note n = P("a.md", "# Title\n## Pricing #risk ##\n#notheading\n###### six\n####### seven #t\n");
    ASSERT_STR_EQ(TAGS(n), "risk,notheading,t");
    ASSERT_EQ(n.n_headings, 3);
    ASSERT_STR_EQ(n.headings[1].text, "Pricing #risk");
    ASSERT_EQ(n.headings[1].level, 2);
    ASSERT_EQ(n.headings[2].level, 6);
    ASSERT_EQ(n.tags[0].line, 2);
    ASSERT_EQ(n.tags[0].col, 11);
    parse_note_free(&n);
}

static void test_tag_after_word_char(void)
{
    parse_note n = P("a.md", "C# and abc#def and x.#y and \"#q\" [#b] *#e* \\#esc\n");
    ASSERT_EQ(n.n_tags, 0);
    parse_note_free(&n);
}

static void test_tag_name_end_quote(void)
{
    parse_note n = P("a.md", "the #client\xE2\x80\x99s ask, #caf\xC3\xA9 and #\xE6\x97\xA5\xE6\x9C\xAC\n");
    ASSERT_STR_EQ(TAGS(n), "client,caf\xC3\xA9,\xE6\x97\xA5\xE6\x9C\xAC");
    ASSERT_EQ(n.tags[0].end_col, 11);
    parse_note_free(&n);
}

static void test_tag_nbsp(void)
{
    /* U+00A0 ends a name and counts as white space before one */
    parse_note n = P("a.md", "#one\xC2\xA0more \xC2\xA0#two x\xC2\xBF#three\n");
    ASSERT_STR_EQ(TAGS(n), "one,two");
    parse_note_free(&n);
}

static void test_tag_trailing_slash(void)
{
    parse_note n = P("a.md", "#topic/ #topic/pricing/ #Topic/Sub #a//\n");
    ASSERT_STR_EQ(TAGS(n), "topic,topic/pricing,topic/sub,a");
    ASSERT_EQ(n.tags[0].end_col, 6);
    parse_note_free(&n);
}

static void test_tag_needs_letter(void)
{
    parse_note n = P("a.md", "#123 #2024 #_ #- #/ #2024-q1 #x1\n");
    ASSERT_STR_EQ(TAGS(n), "2024-q1,x1");
    parse_note_free(&n);
}

static void test_tag_paren(void)
{
    parse_note n = P("a.md", "(#tag) (#a, #b)\n");
    ASSERT_STR_EQ(TAGS(n), "tag,a,b");
    ASSERT_EQ(n.tags[0].col, 1);
    ASSERT_EQ(n.tags[0].end_col, 5);
    parse_note_free(&n);
}

static void test_tag_normalize(void)
{
    char *s = parse_tag_normalize("#Topic/Pricing/", 15);
    ASSERT_STR_EQ(s, "topic/pricing");
    free(s);
    s = parse_tag_normalize("risk", 4);
    ASSERT_STR_EQ(s, "risk");
    free(s);
    ASSERT_NULL(parse_tag_normalize("#123", 4));
    ASSERT_NULL(parse_tag_normalize("a b", 3));
    ASSERT_NULL(parse_tag_normalize("##a", 3));
    ASSERT_NULL(parse_tag_normalize("", 0));
    ASSERT_NULL(parse_tag_normalize("#", 1));
    ASSERT_NULL(parse_tag_normalize("a\xE2\x80\x99", 4));
    ASSERT_NULL(parse_tag_normalize("a\xff", 2));
    s = parse_tag_normalize("\xC3\x89t\xC3\xA9", 5);
    ASSERT_STR_EQ(s, "\xC3\x89t\xC3\xA9"); /* ASCII lowercasing only */
    free(s);
}

/* ------------------------------------------------------------ mentions */

static void test_mention_basic(void)
{
    parse_note n = P("a.md", "Met @Ben and (@ana.m). Then @j_doe-2... and @2pm @.x\n");
    ASSERT_STR_EQ(MENTIONS(n), "ben,ana.m,j_doe-2");
    ASSERT_EQ(n.mentions[0].col, 4);
    ASSERT_EQ(n.mentions[0].end_col, 8);
    ASSERT_EQ(n.mentions[2].end_col, 36);
    parse_note_free(&n);
}

static void test_mention_email(void)
{
    parse_note n = P("a.md",
                     "mail ben@acme.com or <ben@acme.com> or mailto:x@y.z `@code` "
                     "<!-- @c --> https://x.com/@u\n");
    ASSERT_EQ(n.n_mentions, 0);
    parse_note_free(&n);
}

/* --------------------------------------------------------- frontmatter */

static void test_fm_flow_tags(void)
{
    parse_note n = P("a.md", "---\ntags: [Risk, '#pricing', \"topic/a/\", 123]\n---\nbody #b\n");
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_EQ(n.fm.end_line, 3);
    ASSERT_NULL(n.fm.error);
    ASSERT_STR_EQ(TAGS(n), "risk,pricing,topic/a,b");
    ASSERT_EQ(n.tags[0].fm, 1);
    ASSERT_EQ(n.tags[0].line, 2);
    ASSERT_EQ(n.tags[0].col, 7);
    ASSERT_EQ(n.tags[0].end_col, 11);
    ASSERT_EQ(n.tags[1].col, 13); /* quoted: the span covers the quotes */
    ASSERT_EQ(n.tags[1].end_col, 23);
    ASSERT_EQ(n.tags[3].fm, 0);
    ASSERT_EQ(n.tags[3].line, 4);
    parse_note_free(&n);
}

static void test_fm_block_tags(void)
{
    parse_note n = P("a.md", "---\ntitle: x\ntags:\n  - a\n  - \"#B\"\n  -   c/\n---\n");
    ASSERT_STR_EQ(TAGS(n), "a,b,c");
    ASSERT_EQ(n.tags[0].line, 4);
    ASSERT_EQ(n.tags[0].col, 4);
    ASSERT_EQ(n.tags[2].line, 6);
    ASSERT_EQ(n.tags[2].col, 6);
    ASSERT_EQ(n.tags[2].end_col, 8);
    parse_note_free(&n);
}

static void test_fm_single_string_tags(void)
{
    parse_note n = P("a.md", "---\ntags: risk\n---\n");
    ASSERT_STR_EQ(TAGS(n), "risk");
    ASSERT_EQ(n.tags[0].col, 6);
    parse_note_free(&n);
    n = P("a.md", "---\ntags: a, b\n---\n");
    ASSERT_STR_EQ(TAGS(n), "a,b");
    ASSERT_EQ(n.tags[1].col, 9);
    ASSERT_EQ(n.tags[1].end_col, 10);
    parse_note_free(&n);
    n = P("a.md", "---\ntags: \"#q\"\n---\n");
    ASSERT_STR_EQ(TAGS(n), "q");
    ASSERT_EQ(n.tags[0].col, 6);
    ASSERT_EQ(n.tags[0].end_col, 10);
    parse_note_free(&n);
}

static void test_fm_tags_comment(void)
{
    parse_note n = P("a.md", "---\ntype: client\ntags: #a\n---\n");
    ASSERT_EQ(n.fm.tags_comment, 3);
    ASSERT_EQ(n.n_tags, 0);
    ASSERT_NULL(n.fm.error);
    ASSERT_EQ(n.type, PARSE_CLIENT);
    parse_note_free(&n);
    n = P("a.md", "---\ntags:\n  - #a\n---\n");
    ASSERT_EQ(n.fm.tags_comment, 3);
    parse_note_free(&n);
    n = P("a.md", "---\ntags:\n---\n");
    ASSERT_EQ(n.fm.tags_comment, 0);
    parse_note_free(&n);
}

static void test_fm_quoted_values(void)
{
    parse_note n = P("x/y.md",
                     "---\ntype: 'meeting'\nclient: \"[[Acme]]\"\ndate: '2026-01-05'\n"
                     "status: \"Archived\"\npeople: ['@Ben', \"Ana Lee\"]\n"
                     "priority_cap: \"4\"\ncadence: 21\nrapport-ignore: [urgency, Self-Focus]\n"
                     "unknown: {a: [1, 2]}\n---\n");
    ASSERT_NULL(n.fm.error);
    ASSERT_EQ(n.type, PARSE_MEETING);
    ASSERT_STR_EQ(n.client, "acme");
    ASSERT_STR_EQ(n.date, "2026-01-05");
    ASSERT_STR_EQ(n.status, "archived");
    ASSERT_STR_EQ(MENTIONS(n), "ben,ana lee");
    ASSERT_EQ(n.mentions[0].fm, 1);
    ASSERT_EQ(n.mentions[0].line, 6);
    ASSERT_EQ(n.priority_cap, 4);
    ASSERT_EQ(n.cadence, 21);
    ASSERT_EQ(n.n_ignore, 2);
    ASSERT_STR_EQ(n.ignore[0], "urgency");
    ASSERT_STR_EQ(n.ignore[1], "self-focus");
    parse_note_free(&n);
}

static void test_fm_client_wikilink_unquoted(void)
{
    /* unquoted [[acme]] is a YAML list in a list */
    parse_note n = P("a.md", "---\nclient: [[Acme]]\n---\n");
    ASSERT_STR_EQ(n.client, "acme");
    parse_note_free(&n);
    n = P("a.md", "---\nclient: \"[[clients/Acme|Acme Corp]]\"\n---\n");
    ASSERT_STR_EQ(n.client, "acme");
    parse_note_free(&n);
}

static void test_fm_bad_values(void)
{
    parse_note n = P("a.md", "---\ndate: 2026-02-30\npriority_cap: -1\ncadence: x\ntype: bogus\n---\n");
    ASSERT_NULL(n.fm.error);
    ASSERT_NULL(n.date);
    ASSERT_EQ(n.priority_cap, -1);
    ASSERT_EQ(n.cadence, -1);
    ASSERT_EQ(n.type, PARSE_NOTE);
    ASSERT_STR_EQ(n.status, "active");
    parse_note_free(&n);
}

static void test_fm_crlf(void)
{
    parse_note n = P("a.md", "---\r\ntags: [a, b]\r\n---\r\n# T\xC3\xADtle\r\nx #c\r\n- [ ] do @Ann due:2026-01-02\r\n");
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_NULL(n.fm.error);
    ASSERT_EQ(n.fm.body_off, 24);
    ASSERT_STR_EQ(TAGS(n), "a,b,c");
    ASSERT_EQ(n.tags[1].col, 10);
    ASSERT_EQ(n.tags[1].end_col, 11);
    ASSERT_EQ(n.tags[2].line, 5);
    ASSERT_EQ(n.tags[2].end_col, 4);
    ASSERT_STR_EQ(n.title, "T\xC3\xADtle");
    ASSERT_EQ(n.n_tasks, 1);
    ASSERT_STR_EQ(n.tasks[0].text, "do @Ann due:2026-01-02");
    ASSERT_STR_EQ(n.tasks[0].due, "2026-01-02");
    ASSERT_STR_EQ(n.tasks[0].owner, "ann");
    parse_note_free(&n);
}

static void test_fm_unicode_byte_columns(void)
{
    /* libyaml counts characters; we report bytes */
    parse_note n = P("a.md", "---\ntitle: Caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80\ntags: [\xC3\xA9t\xC3\xA9, b]\n"
                              "people: [J\xC3\xBCrgen, '@b']\n---\n");
    ASSERT_NULL(n.fm.error);
    ASSERT_STR_EQ(TAGS(n), "\xC3\xA9t\xC3\xA9,b");
    ASSERT_EQ(n.tags[0].line, 3);
    ASSERT_EQ(n.tags[0].col, 7);
    ASSERT_EQ(n.tags[0].end_col, 12);
    ASSERT_EQ(n.tags[1].col, 14);
    ASSERT_EQ(n.tags[1].end_col, 15);
    ASSERT_EQ(n.mentions[1].line, 4);
    ASSERT_EQ(n.mentions[1].col, 18);
    ASSERT_EQ(n.mentions[1].end_col, 22);
    parse_note_free(&n);

    /* several multi-byte characters on the same line as the value */
    n = P("a.md", "---\nx: \xC3\xA9\xC3\xA9\xC3\xA9\ntags: \xC3\xA9\xC3\xA9, z\n---\n");
    ASSERT_STR_EQ(TAGS(n), "\xC3\xA9\xC3\xA9,z");
    ASSERT_EQ(n.tags[1].col, 12);
    parse_note_free(&n);
}

static void test_fm_bad_yaml_still_parses_body(void)
{
    parse_note n = P("meetings/2026-01-05-acme.md",
                     "---\ntype: client\ntags: [a\nclient: beta\n---\n# Call\n#body @ann\n");
    ASSERT(n.fm.error != NULL);
    ASSERT_EQ(n.fm.present, 1);
    ASSERT(n.fm.error_line >= 3 && n.fm.error_line <= 5);
    ASSERT_STR_EQ(TAGS(n), "body"); /* nothing from the broken frontmatter */
    ASSERT_STR_EQ(MENTIONS(n), "ann");
    ASSERT_EQ(n.type, PARSE_MEETING); /* path default, not the broken type */
    ASSERT_NULL(n.client);
    ASSERT_STR_EQ(n.title, "Call");
    ASSERT_EQ(n.headings[0].line, 6);
    parse_note_free(&n);

    n = P("a.md", "---\na: b: c\n---\nx\n");
    ASSERT(n.fm.error != NULL);
    ASSERT_EQ(n.fm.error_line, 2);
    parse_note_free(&n);
}

static void test_fm_no_closing_fence(void)
{
    parse_note n = P("a.md", "---\ntags: [a]\n# Title #b\n");
    ASSERT_EQ(n.fm.present, 0);
    ASSERT_EQ(n.fm.end_line, 0);
    ASSERT_EQ(n.fm.body_off, 0);
    ASSERT_NULL(n.fm.error);
    ASSERT_STR_EQ(TAGS(n), "b");
    ASSERT_STR_EQ(n.title, "Title #b");
    ASSERT_EQ(n.headings[0].line, 3);
    parse_note_free(&n);
}

static void test_fm_dots_close_and_empty(void)
{
    parse_note n = P("a.md", "---\ntags: x\n...\n---\nnot setext\n");
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_EQ(n.fm.end_line, 3);
    ASSERT_STR_EQ(TAGS(n), "x");
    ASSERT_EQ(n.n_headings, 0); /* '---' right after the frontmatter is a break */
    parse_note_free(&n);
    n = P("a.md", "---\n---\n");
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_EQ(n.fm.body_off, 8);
    parse_note_free(&n);
    n = P("a.md", "---\n- a\n- b\n---\n"); /* a non-mapping root: no keys, no error */
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_NULL(n.fm.error);
    ASSERT_EQ(n.n_tags, 0);
    parse_note_free(&n);
}

/* ------------------------------------------------------------ sections */

static void test_sections_atx(void)
{
    parse_note n = P("clients/acme.md",
                     "# Acme\n"
                     "## Priorities:\n"
                     "- one\n"
                     "* two\n"
                     "  continued\n"
                     "  - nested\n"
                     "    - deeper\n"
                     "+ three\n"
                     "\n"
                     "### Detail\n"
                     "1. four\n"
                     "2) five\n"
                     "\n"
                     "## next STEPS ##\n"
                     "- [ ] call @ben due:2026-03-01\n"
                     "\n"
                     "# Other\n"
                     "- not an item\n");
    ASSERT_EQ(n.n_sections, 2);
    const parse_section *s = parse_find_section(&n, SEC_PRIORITIES);
    ASSERT(s != NULL);
    ASSERT_EQ(s->line, 2);
    ASSERT_EQ(s->end_line, 12);
    ASSERT_EQ(s->n_items, 5);
    const parse_item *it = &n.items[s->first_item];
    ASSERT_STR_EQ(it[0].text, "one");
    ASSERT_EQ(it[0].line, 3);
    ASSERT_EQ(it[0].end_line, 3);
    ASSERT_STR_EQ(it[1].text, "two\ncontinued");
    ASSERT_EQ(it[1].line, 4);
    ASSERT_EQ(it[1].end_line, 7);
    ASSERT_EQ(it[1].task, -1);
    ASSERT_STR_EQ(it[2].text, "three");
    ASSERT_STR_EQ(it[3].text, "four");
    ASSERT_EQ(it[3].ordered, 1);
    ASSERT_STR_EQ(it[4].text, "five");
    s = parse_find_section(&n, SEC_NEXT_STEPS);
    ASSERT(s != NULL);
    ASSERT_EQ(s->line, 14);
    ASSERT_EQ(s->end_line, 15);
    ASSERT_EQ(s->n_items, 1);
    ASSERT_STR_EQ(n.items[s->first_item].text, "call @ben due:2026-03-01");
    ASSERT_EQ(n.items[s->first_item].task, 0);
    ASSERT_STR_EQ(n.headings[3].text, "next STEPS");
    ASSERT_EQ(n.headings[3].kind, SEC_NEXT_STEPS);
    ASSERT_EQ(n.n_items, 6);
    ASSERT_NULL(parse_find_section(&n, SEC_NEEDS));
    parse_note_free(&n);
}

static void test_sections_setext(void)
{
    parse_note n = P("a.md",
                     "Needs\n"
                     "=====\n"
                     "- a\n"
                     "\n"
                     "Parking lot\n"
                     "---\n"
                     "- b\n"
                     "\n"
                     "---\n" /* after a blank line: a break, not a heading */
                     "- c\n");
    ASSERT_EQ(n.n_headings, 2);
    ASSERT_EQ(n.headings[0].level, 1);
    ASSERT_EQ(n.headings[0].line, 1);
    ASSERT_EQ(n.headings[1].level, 2);
    ASSERT_EQ(n.headings[1].line, 5);
    ASSERT_STR_EQ(n.title, "Needs");
    const parse_section *s = parse_find_section(&n, SEC_NEEDS);
    ASSERT(s != NULL);
    ASSERT_EQ(s->end_line, 10); /* the level-2 heading is inside it */
    ASSERT_EQ(s->n_items, 1);
    s = parse_find_section(&n, SEC_PARKING_LOT);
    ASSERT(s != NULL);
    ASSERT_EQ(s->line, 5);
    ASSERT_EQ(s->n_items, 2);
    ASSERT_STR_EQ(n.items[s->first_item + 1].text, "c");
    parse_note_free(&n);

    /* '---' under a list item is not a setext underline */
    n = P("a.md", "- item\n---\n");
    ASSERT_EQ(n.n_headings, 0);
    parse_note_free(&n);
}

static void test_sections_dup_and_levels(void)
{
    parse_note n = P("a.md",
                     "## Notes\n"
                     "- n1\n"
                     "### Next steps\n"
                     "- s1\n"
                     "### Other\n"
                     "- n2\n"
                     "## Notes\n"
                     "- dup\n"
                     "# Top\n"
                     "## Next Steps\n");
    ASSERT_EQ(n.n_dup_sections, 2);
    ASSERT_EQ(n.dup_sections[0], 7);
    ASSERT_EQ(n.dup_sections[1], 10);
    ASSERT_EQ(n.n_sections, 2);
    const parse_section *notes = parse_find_section(&n, SEC_NOTES);
    const parse_section *next = parse_find_section(&n, SEC_NEXT_STEPS);
    ASSERT(notes && next);
    ASSERT_EQ(notes->end_line, 6);
    ASSERT_EQ(next->end_line, 4);
    ASSERT_EQ(notes->n_items, 2);
    ASSERT_STR_EQ(n.items[notes->first_item].text, "n1");
    ASSERT_STR_EQ(n.items[notes->first_item + 1].text, "n2");
    ASSERT_EQ(next->n_items, 1);
    ASSERT_STR_EQ(n.items[next->first_item].text, "s1");
    ASSERT_EQ(n.n_items, 3);
    ASSERT_EQ(n.headings[3].kind, SEC_NOTES);
    parse_note_free(&n);
}

static void test_sections_fenced_heading(void)
{
    parse_note n = P("a.md", "```\n## Priorities\n- a\n```\n## Needs\n- b\n");
    ASSERT_EQ(n.n_headings, 1);
    ASSERT_EQ(n.n_sections, 1);
    ASSERT_EQ(n.sections[0].kind, SEC_NEEDS);
    ASSERT_EQ(n.n_items, 1);
    parse_note_free(&n);
}

static void test_items_ordered_and_code_in_item(void)
{
    parse_note n = P("a.md",
                     "## Objectives\n"
                     "1. first\n"
                     "   ```\n"
                     "   #code\n"
                     "   ```\n"
                     "10. second\n"
                     "lazy\n"
                     "2. a sibling item\n"
                     "\n"
                     "Text\n"
                     "2. not an item (cannot interrupt a paragraph)\n"
                     "\n"
                     "- ```\n"
                     "  #x\n"
                     "  ```\n");
    ASSERT_EQ(n.n_tags, 0);
    const parse_section *s = parse_find_section(&n, SEC_OBJECTIVES);
    ASSERT(s != NULL);
    ASSERT_EQ(s->n_items, 4);
    ASSERT_EQ(n.items[0].end_line, 5);
    ASSERT_STR_EQ(n.items[1].text, "second\nlazy");
    ASSERT_EQ(n.items[1].end_line, 7);
    ASSERT_EQ(n.items[1].marker_col, 0);
    ASSERT_STR_EQ(n.items[2].text, "a sibling item");
    ASSERT_STR_EQ(n.items[3].text, "");
    ASSERT_EQ(n.items[3].line, 13);
    ASSERT_EQ(n.items[3].end_line, 15);
    parse_note_free(&n);
}

/* --------------------------------------------------------------- tasks */

static void test_tasks(void)
{
    parse_note n = P("a.md",
                     "- [ ] Send deck to @Ben by due:2026-01-10 cc @ann\n"
                     "## Next steps\n"
                     "* [x] done @b\n"
                     "  - [X] nested `@code` @Carl due:2026-02-30\n"
                     "    more text due:2026-02-03\n"
                     "1) [ ] ordered\n"
                     "- [ ]no space\n"
                     "- [] not a task\n"
                     "- [ ]\n");
    ASSERT_EQ(n.n_tasks, 5);
    ASSERT_STR_EQ(n.tasks[0].text, "Send deck to @Ben by due:2026-01-10 cc @ann");
    ASSERT_STR_EQ(n.tasks[0].owner, "ben");
    ASSERT_STR_EQ(n.tasks[0].due, "2026-01-10");
    ASSERT_EQ(n.tasks[0].done, 0);
    ASSERT_EQ(n.tasks[0].section, SEC_NONE);
    ASSERT_EQ(n.tasks[1].done, 1);
    ASSERT_STR_EQ(n.tasks[1].owner, "b");
    ASSERT_NULL(n.tasks[1].due);
    ASSERT_EQ(n.tasks[1].section, SEC_NEXT_STEPS);
    ASSERT_EQ(n.tasks[2].done, 1);
    ASSERT_EQ(n.tasks[2].col, 2);
    ASSERT_EQ(n.tasks[2].line, 4);
    ASSERT_STR_EQ(n.tasks[2].owner, "carl");
    ASSERT_STR_EQ(n.tasks[2].due, "2026-02-03"); /* the invalid date is skipped */
    ASSERT_STR_EQ(n.tasks[2].text, "nested `@code` @Carl due:2026-02-30 more text due:2026-02-03");
    ASSERT_STR_EQ(n.tasks[3].text, "ordered");
    ASSERT_NULL(n.tasks[3].owner);
    ASSERT_STR_EQ(n.tasks[4].text, "");
    const parse_section *s = parse_find_section(&n, SEC_NEXT_STEPS);
    ASSERT_EQ(s->n_items, 5);
    ASSERT_EQ(n.items[0].end_line, 5);
    ASSERT_STR_EQ(n.items[2].text, "[ ]no space");
    ASSERT_EQ(n.items[2].task, -1);
    parse_note_free(&n);
}

/* -------------------------------------------------------------- quotes */

static void test_quotes(void)
{
    parse_note n = P("a.md",
                     "> We need this\n"
                     ">   by March #deadline\n"
                     ">\n"
                     "> second\n"
                     "\n"
                     "> > nested\n"
                     "text\n"
                     ">#q\n");
    ASSERT_EQ(n.n_quotes, 4);
    ASSERT_STR_EQ(n.quotes[0].text, "We need this by March #deadline");
    ASSERT_EQ(n.quotes[0].line, 1);
    ASSERT_STR_EQ(n.quotes[1].text, "second");
    ASSERT_EQ(n.quotes[1].line, 4);
    ASSERT_STR_EQ(n.quotes[2].text, "nested");
    ASSERT_STR_EQ(n.quotes[3].text, "#q");
    ASSERT_STR_EQ(TAGS(n), "deadline,q");
    parse_note_free(&n);
}

/* -------------------------------------------------------- path defaults */

static void test_path_client_note(void)
{
    parse_note n = P("clients/Acme.md", "no heading\n");
    ASSERT_EQ(n.type, PARSE_CLIENT);
    ASSERT_STR_EQ(n.client, "acme");
    ASSERT_STR_EQ(n.title, "Acme");
    ASSERT_NULL(n.date);
    ASSERT_STR_EQ(n.status, "active");
    ASSERT_EQ(n.priority_cap, -1);
    ASSERT_EQ(n.cadence, -1);
    parse_note_free(&n);
}

static void test_path_under_client_dir(void)
{
    parse_note n = P("clients/acme/notes.md", "# Kickoff\n");
    ASSERT_EQ(n.type, PARSE_NOTE);
    ASSERT_STR_EQ(n.client, "acme");
    ASSERT_STR_EQ(n.title, "Kickoff");
    parse_note_free(&n);
    n = P("clients/Beta/meetings/2026-02-01.md", "");
    ASSERT_EQ(n.type, PARSE_MEETING);
    ASSERT_STR_EQ(n.client, "beta");
    ASSERT_STR_EQ(n.date, "2026-02-01");
    parse_note_free(&n);
}

static void test_path_meeting(void)
{
    parse_note n = P("meetings/2026-01-05-acme.md", "Notes without heading\n");
    ASSERT_EQ(n.type, PARSE_MEETING);
    ASSERT_STR_EQ(n.date, "2026-01-05");
    ASSERT_NULL(n.client);
    ASSERT_STR_EQ(n.title, "2026-01-05-acme");
    parse_note_free(&n);
    n = P("work/meetings/2026/2026-13-05.md", "");
    ASSERT_EQ(n.type, PARSE_MEETING);
    ASSERT_NULL(n.date);
    parse_note_free(&n);
    n = P("meetings/2026-01-05.md", "---\ndate: 2026-01-06\nclient: acme\n---\n");
    ASSERT_STR_EQ(n.date, "2026-01-06");
    ASSERT_STR_EQ(n.client, "acme");
    parse_note_free(&n);
    n = P("notes/2026-01-05.md", "");
    ASSERT_EQ(n.type, PARSE_NOTE);
    ASSERT_NULL(n.date);
    parse_note_free(&n);
}

static void test_path_fm_type_wins(void)
{
    parse_note n = P("clients/acme.md", "---\ntype: note\n---\n");
    ASSERT_EQ(n.type, PARSE_NOTE);
    ASSERT_NULL(n.client);
    parse_note_free(&n);
    n = P("people/Zeta.md", "---\ntype: client\n---\n");
    ASSERT_EQ(n.type, PARSE_CLIENT);
    ASSERT_STR_EQ(n.client, "zeta");
    parse_note_free(&n);
}

static void test_title(void)
{
    parse_note n = P("x/Some Note.md", "text\n#\n## Real title ##\n# Later\n");
    ASSERT_STR_EQ(n.title, "Real title");
    parse_note_free(&n);
    n = P("x/Some Note.MD", "");
    ASSERT_STR_EQ(n.title, "Some Note");
    parse_note_free(&n);
}

/* ----------------------------------------------------------- robustness */

static void test_empty_and_odd_inputs(void)
{
    parse_note n;
    parse_note_text(NULL, NULL, 0, &n);
    ASSERT_STR_EQ(n.title, "");
    parse_note_free(&n);
    const char *odd[] = {
        "", "\n", "#", "@", "`", "<!--", "<!-", "](", "](x", "---", "---\n", "---\n--",
        "- ", "-", "1.", "1)", "> ", ">", "```", "~~~\n", "[ ]", "- [", "- [ ", "- [x",
        "\r", "\r\n\r\n", "a\rb #c", "http://", "www.", "#a/", "@a.", "\xEF\xBB\xBF# T",
        "\xEF\xBB\xBF---\ntags: [a]\n---\n", "---\n\t: [\n---\n", "---\n&a [*a]\n---\n",
        "---\ntags: *x\n---\n", "---\n? [a]\n: b\ntags: [c]\n---\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(odd); i++) {
        n = P("meetings/x.md", odd[i]);
        parse_note_free(&n);
    }
    n = P("a.md", "\xEF\xBB\xBF# T #x\n");
    ASSERT_STR_EQ(n.title, "T #x");
    ASSERT_EQ(n.tags[0].col, 7);
    parse_note_free(&n);
    n = P("a.md", "\xEF\xBB\xBF---\ntags: [a]\n---\n");
    ASSERT_EQ(n.fm.present, 1);
    ASSERT_STR_EQ(TAGS(n), "a");
    parse_note_free(&n);
    n = P("a.md", "---\n? [a]\n: b\ntags: [c]\n---\n");
    ASSERT_STR_EQ(TAGS(n), "c");
    parse_note_free(&n);
}

static void test_perf(void)
{
    /* ~8 MiB of realistic note text must parse in linear time */
    const char *chunk =
        "## Notes\n- talked to @ben about #pricing and `code #x` see https://x.com/#a\n"
        "  - nested item with [link](http://y/#b) and <!-- c --> text\n"
        "- [ ] follow up @ann due:2026-01-02\n\n> quote #q\n\n    code #no\n"
        "Plain paragraph text with some words, C# and e@mail.com, (#tag) here.\n";
    size_t cl = strlen(chunk), target = 8u << 20;
    buf_t b = {0};
    buf_adds(&b, "---\ntags: [a, b]\n---\n");
    while (b.len + cl < target) buf_add(&b, chunk, cl);
    uint64_t t0 = now_ns();
    parse_note n;
    parse_note_text("a.md", b.data, b.len, &n);
    uint64_t t1 = now_ns();
    double ms = (double)(t1 - t0) / 1e6;
    fprintf(stderr, "  perf: %.1f MiB realistic in %.1f ms (%.0f MB/s), %zu tags\n",
            (double)b.len / (1 << 20), ms, (double)b.len / 1e6 / (ms / 1e3), n.n_tags);
    parse_note_free(&n);

    /* pathological lines: one huge line of backtick runs, brackets, nesting */
    buf_t p = {0};
    for (size_t i = 1; p.len < (2u << 20); i++) {
        for (size_t k = 0; k < (i % 97) + 1; k++) buf_addc(&p, '`');
        buf_adds(&p, "](<!-<a:](( #x @y ");
    }
    buf_addc(&p, '\n');
    for (int d = 0; d < 1500; d++) {
        for (int k = 0; k < d * 2; k++) buf_addc(&p, ' ');
        buf_adds(&p, "- x\n");
    }
    for (int l = 0; l < 200000; l++) buf_adds(&p, "lazy\n");
    t0 = now_ns();
    parse_note_text("a.md", p.data, p.len, &n);
    t1 = now_ns();
    ms = (double)(t1 - t0) / 1e6;
    fprintf(stderr, "  perf: %.1f MiB pathological in %.1f ms\n", (double)p.len / (1 << 20), ms);
    parse_note_free(&n);
    ASSERT(ms < 5000);

    /* a frontmatter of one 2 MiB flow-list line with multi-byte values */
    p.len = 0;
    buf_adds(&p, "---\ntags: [");
    for (int i = 0; i < 150000; i++) buf_adds(&p, "\xC3\xA9t\xC3\xA9, ");
    buf_adds(&p, "z]\n---\n");
    t0 = now_ns();
    parse_note_text("a.md", p.data, p.len, &n);
    t1 = now_ns();
    ms = (double)(t1 - t0) / 1e6;
    fprintf(stderr, "  perf: %.1f MiB one-line frontmatter in %.1f ms\n", (double)p.len / (1 << 20), ms);
    ASSERT_EQ(n.n_tags, 150001);
    ASSERT_EQ(n.tags[150000].col, (int)(7 + 150000 * 7));
    parse_note_free(&n);
    buf_free(&p);
    buf_free(&b);
    ASSERT(ms < 5000);
}

int main(void)
{
    RUN(test_tag_basic);
    RUN(test_tag_fenced_code);
    RUN(test_tag_indented_code);
    RUN(test_tag_list_continuation_not_code);
    RUN(test_tag_inline_code);
    RUN(test_tag_html_comment);
    RUN(test_tag_urls);
    RUN(test_tag_heading_marker);
    RUN(test_tag_after_word_char);
    RUN(test_tag_name_end_quote);
    RUN(test_tag_nbsp);
    RUN(test_tag_trailing_slash);
    RUN(test_tag_needs_letter);
    RUN(test_tag_paren);
    RUN(test_tag_normalize);
    RUN(test_mention_basic);
    RUN(test_mention_email);
    RUN(test_fm_flow_tags);
    RUN(test_fm_block_tags);
    RUN(test_fm_single_string_tags);
    RUN(test_fm_tags_comment);
    RUN(test_fm_quoted_values);
    RUN(test_fm_client_wikilink_unquoted);
    RUN(test_fm_bad_values);
    RUN(test_fm_crlf);
    RUN(test_fm_unicode_byte_columns);
    RUN(test_fm_bad_yaml_still_parses_body);
    RUN(test_fm_no_closing_fence);
    RUN(test_fm_dots_close_and_empty);
    RUN(test_sections_atx);
    RUN(test_sections_setext);
    RUN(test_sections_dup_and_levels);
    RUN(test_sections_fenced_heading);
    RUN(test_items_ordered_and_code_in_item);
    RUN(test_tasks);
    RUN(test_quotes);
    RUN(test_path_client_note);
    RUN(test_path_under_client_dir);
    RUN(test_path_meeting);
    RUN(test_path_fm_type_wins);
    RUN(test_title);
    RUN(test_empty_and_odd_inputs);
    RUN(test_perf);
    TEST_END();
}
