/* What each session's agent is doing (agent-status.h): its states, its record, its store. */
#include "tap.h"
#include "scratch.h"

#include "agent-status.h"
#include "json.h"
#include "notify.h"

#include <stdlib.h>
#include <string.h>

static void fresh(struct sbx_agent_status *st)
{
	memset(st, 0, sizeof(*st));
	st->name = sbx_strdup("sbx-app-1a2b3c-k3x9q");
	st->project = sbx_strdup("/home/u/app.worktrees/feat/x");
	st->repo = sbx_strdup("app");
	st->branch = sbx_strdup("feat/x");
	st->state = SBX_AGENT_STARTED;
	st->since = 1000;
	st->code = -1;
}

static void test_states(void)
{
	struct sbx_agent_status st;

	fresh(&st);
	is_int(sbx_agent_status_event(&st, "UserPromptSubmit", NULL, "do it", 2000), 1,
	       "a prompt: a change");
	is_str(sbx_agent_state_name(st.state), "working", "working");
	ok(st.since == 2000 && !st.message, "since the prompt, with no message");
	is_int(sbx_agent_status_event(&st, "PreToolUse", NULL, "Bash", 3000), 0,
	       "a tool while working changes nothing");
	ok(st.since == 2000, "not even when");
	is_int(sbx_agent_status_event(&st, "SubagentStop", NULL, "x", 3500), 0,
	       "a subagent's end changes nothing");
	is_int(sbx_agent_status_event(&st, "Notification", "auth_success", "ok", 3600), 0,
	       "a login that went through asks nothing");
	is_int(sbx_agent_status_event(&st, "Notification", "permission_prompt",
				      "Claude needs your \033[31mpermission\xe2\x80\xae", 4000), 1,
	       "a question: a change");
	is_str(sbx_agent_state_name(st.state), "waiting", "waiting");
	is_str(st.message, "Claude needs your [31mpermission", "its message, cleaned");
	is_int(sbx_agent_status_event(&st, "Notification", "idle_prompt", "Claude needs your [31mpermission",
				      4500), 0, "the same question again changes nothing");
	is_int(sbx_agent_status_event(&st, "PostToolUse", NULL, "Bash", 5000), 1, "the tool ran: working");
	is_int(sbx_agent_status_event(&st, "Stop", NULL, "Done.", 6000), 1, "a turn ended");
	ok(st.state == SBX_AGENT_DONE && !strcmp(st.message, "Done.") && st.since == 6000,
	   "done, with the last message, since then");
	is_int(sbx_agent_status_exit(&st, 3, 7000), 1, "the process ended");
	ok(st.state == SBX_AGENT_EXITED && st.code == 3 && st.since == 7000, "exited 3");
	is_int(sbx_agent_status_exit(&st, -1, 8000), 0, "the session's end after the code says nothing new");
	is_int(sbx_agent_status_event(&st, "Stop", NULL, "late", 9000), 0, "nothing moves an exited agent");
	ok(st.code == 3 && !strcmp(st.message, "Done."), "which keeps its code and message");
	sbx_agent_status_release(&st);

	fresh(&st);
	is_int(sbx_agent_status_exit(&st, -1, 2000), 1, "ended with no code (killed)");
	ok(st.state == SBX_AGENT_EXITED && st.code == -1, "exited, code unknown");
	is_int(sbx_agent_status_exit(&st, 0, 2500), 1, "a code that comes later is news");
	sbx_agent_status_release(&st);
}

static void test_json(void)
{
	struct sbx_agent_status st, back;
	struct sbx_buf b = SBX_BUF_INIT;
	cJSON *o, *bad;

	fresh(&st);
	sbx_agent_status_event(&st, "Notification", NULL, "May I?", 1718000000123LL);
	o = sbx_agent_status_json(&st);
	sbx_json_print(&b, o, 0);
	like(b.buf, "\"repo\":\"app\",\"branch\":\"feat/x\",\"state\":\"waiting\",\"since\":1718000000123,"
	     "\"message\":\"May I?\",\"code\":null", "the record");
	is_int(sbx_agent_status_from_json(&back, o), 0, "read back");
	ok(back.state == SBX_AGENT_WAITING && back.since == st.since && !strcmp(back.message, "May I?") &&
	   !strcmp(back.branch, "feat/x") && !back.agent, "the same");
	sbx_agent_status_release(&back);
	cJSON_ReplaceItemInObjectCaseSensitive(o, "message",
					       sbx_json_new_string("a\x1b]0;title\x07 b"));
	is_int(sbx_agent_status_from_json(&back, o), 0, "a message with controls is read");
	is_str(back.message, "a ]0;title b", "cleaned again");
	sbx_agent_status_release(&back);
	cJSON_Delete(o);

	bad = cJSON_Parse("{\"name\":\"../x\",\"state\":\"done\",\"since\":1}");
	is_int(sbx_agent_status_from_json(&back, bad), -1, "a name that is no sandbox's is refused");
	cJSON_Delete(bad);
	bad = cJSON_Parse("{\"name\":\"sbx-a\",\"state\":\"asleep\",\"since\":1}");
	is_int(sbx_agent_status_from_json(&back, bad), -1, "so is an unknown state");
	cJSON_Delete(bad);
	bad = cJSON_Parse("{\"name\":\"sbx-a\",\"state\":\"done\",\"since\":1,\"branch\":7}");
	is_int(sbx_agent_status_from_json(&back, bad), -1, "and a field of another type");
	cJSON_Delete(bad);
	sbx_clear_error();
	sbx_agent_status_release(&st);
	sbx_buf_release(&b);
}

static void test_printing(void)
{
	struct sbx_agent_status st;
	struct sbx_buf b = SBX_BUF_INIT;
	static const struct { long long ms; const char *text; } ages[] = {
		{ 0, "0s" }, { 59999, "59s" }, { 60000, "1m" }, { 3599999, "59m" },
		{ 3600000, "1h" }, { 47LL * 3600000, "47h" }, { 48LL * 3600000, "2d" },
	};

	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		sbx_buf_reset(&b);
		sbx_agent_age(&b, 1000, 1000 + ages[i].ms);
		is_str(b.buf, ages[i].text, "age %lld ms", ages[i].ms);
	}
	fresh(&st);
	sbx_buf_reset(&b);
	sbx_agent_where(&b, &st);
	is_str(b.buf, "app feat/x", "the repository and the branch");
	free(st.branch);
	st.branch = NULL;
	sbx_buf_reset(&b);
	sbx_agent_where(&b, &st);
	is_str(b.buf, "app", "detached: the repository");
	free(st.repo);
	st.repo = NULL;
	sbx_buf_reset(&b);
	sbx_agent_where(&b, &st);
	is_str(b.buf, "x", "outside git: the project's last name");
	sbx_agent_status_exit(&st, 0, 2000);
	sbx_buf_reset(&b);
	sbx_agent_state_text(&b, &st);
	is_str(b.buf, "exited 0", "exited with its code");
	sbx_agent_status_release(&st);
	sbx_buf_release(&b);
}

static void test_store(void)
{
	struct sbx_agent_status st, *list;
	const struct sbx_agent_status *found;
	char *dir;
	size_t nr;

	scratch_init();
	setenv("XDG_STATE_HOME", scratch, 1);
	sbx_agent_status_list(&list, &nr);
	ok(nr == 0, "an empty store");
	sbx_agent_status_list_free(list, nr);
	fresh(&st);
	free(st.sandbox);
	st.sandbox = sbx_strdup("sbx-app-1a2b3c-keep");
	is_int(sbx_agent_status_save(&st), 0, "kept");
	dir = sbx_asprintf("%s/sbx/agents", scratch);
	ok(succeeds("test \"$(stat -c %a sbx/agents)\" = 700 && "
		    "test \"$(stat -c %a sbx/agents/sbx-app-1a2b3c-k3x9q.json)\" = 600"),
	   "in a private directory, a private file");
	ok(succeeds("ln -s /etc/passwd sbx/agents/sbx-link.json && "
		    "printf '{\"name\":\"sbx-other\",\"state\":\"done\",\"since\":1}' >sbx/agents/sbx-misnamed.json && "
		    "printf 'garbage' >sbx/agents/sbx-bad.json"), "a link, a misnamed and a bad record");
	sbx_agent_status_list(&list, &nr);
	is_int((int)nr, 1, "only the good record is listed");
	found = sbx_agent_status_find(list, nr, "sbx-app-1a2b3c-keep");
	ok(found && !strcmp(found->name, "sbx-app-1a2b3c-k3x9q"), "found by its sandbox too");
	ok(!sbx_agent_status_find(list, nr, "sbx-none"), "and nothing for another");
	sbx_agent_status_list_free(list, nr);
	sbx_agent_status_forget(st.name);
	sbx_agent_status_list(&list, &nr);
	is_int((int)nr, 0, "forgotten");
	sbx_agent_status_list_free(list, nr);
	sbx_agent_status_release(&st);
	free(dir);
	scratch_done();
}

int main(void)
{
	test_states();
	test_json();
	test_printing();
	test_store();
	return done_testing();
}
