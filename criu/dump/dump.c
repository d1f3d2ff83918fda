/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump/dump.c - the dump, as a short list of steps over one dump context:
 * seize -> read /proc -> infect -> ask the parasite -> pages -> cure -> images -> commit ->
 * release. Any failure before release cures and lets the task go exactly as it was.
 *
 * The point of no return is the kill (dump without -R/-s), and it comes last: only once every
 * image is written, fsync'ed and summed, and inventory.img renamed into place (imgset.h). A
 * dump that fails before it leaves the tasks running and no inventory.img; one that fails
 * after it has killed them and left a complete set. The log says which.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "action-scripts.h"
#include "cgroup.h"
#include "compel/infect.h"
#include "dump.h"
#include "img-stream.h"
#include "files.h"
#include "image.h"
#include "imgset.h"
#include "log.h"
#include "netns.h"
#include "ns.h"
#include "parasite-blob.h"
#include "task-audit.h"
#include "threads.h"
#include "tree.h"
#include "mem.h"
#include "net-lock.h"
#include "plugin.h"
#include "page-chain.h"
#include "page-server.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static void compel_log_bridge(int level, const char *file, int line, const char *fmt, va_list ap)
{
	log_vprint(level, file, line, fmt, ap);
}

/* Every thread must be in namespaces ns/ can save (threads may setns alone): ns.h. */
static int check_namespaces(struct dump_ctx *dc)
{
	uint32_t *tids;
	size_t i, nr;
	int ret = 0;

	tids = threads_ids(dc, &nr); /* the leader first; owned by dc->thr */
	if (!tids)
		return -ENOMEM;
	for (i = 0; !ret && i < nr; i++)
		ret = ns_check_task(tids[i], dc->tree->tasks[0]->pid);
	return ret ?: ns_check_threads(dc->tree, dc->pid, nr);
}

static int collect_proc_state(struct dump_ctx *dc)
{
	int ret;

	ret = parse_proc_stat(dc->pid, &dc->stat);
	ret = ret ?: check_task_sessions(dc);
	ret = ret ?: parse_proc_smaps(dc->pid, &dc->maps);
	ret = ret ?: dump_check_own_mm(dc);
	ret = ret ?: collect_task_files(dc);
	ret = ret ?: task_state_collect_proc(dc);
	ret = ret ?: threads_collect(dc);
	ret = ret ?: cg_dump_task(dc);
	ret = ret ?: check_namespaces(dc);
	return ret ?: collect_task_mm(dc);
}

static int infect_task(struct dump_ctx *dc)
{
	struct compel_infect_opts io = {
		.args_size = PARASITE_ARGS_SIZE,
		.log_fd = log_get_fd(),
		.log_level = log_get_level(),
	};
	const struct compel_ctl *sibling;
	int ret;

	sibling = threads_any_ctl(dc);
	dc->ctl = sibling ? compel_prepare_thread(dc->pid, sibling) : compel_prepare(dc->pid);
	if (!dc->ctl) {
		pr_err("Can't prepare task %d for the parasite\n", dc->pid);
		return -EIO;
	}
	/* --timeout bounds every wait on the parasite */
	compel_set_timeout(dc->ctl, dc->opts->timeout * 1000);
	if (fault_injected("parasite"))
		return -EIO;
	ret = task_audit_before_parasite(dc);
	ret = ret ?: memtrack_task_prepare(dc);
	if (ret)
		return ret;
	/* compel said why, once, where it failed */
	ret = compel_infect(dc->ctl, &parasite_blob_desc, &io);
	if (ret || dc->opts->command == CMD_PRE_DUMP)
		return ret; /* a pre-dump wants the pages only */
	ret = compel_rpc_call_sync(dc->ctl, PARASITE_CMD_DUMP_TASK_STATE);
	if (ret) {
		pr_err("The parasite failed to read the task state: %d\n", ret);
		return ret;
	}
	memcpy(&dc->pst, compel_parasite_args(dc->ctl), sizeof(dc->pst));
	dc->brk = dc->pst.brk;
	ret = task_state_collect_parasite(dc);
	/* the args area is free until the next command: the threads' remote syscalls use it */
	return ret ?: threads_collect_remote(dc);
}

static int cure_task(struct dump_ctx *dc)
{
	int ret = threads_cure(dc);

	if (!dc->ctl)
		return ret;
	ret = compel_cure(dc->ctl) ?: ret;
	if (ret) {
		pr_err("Can't cure task %d: %d\n", dc->pid, ret);
		dc->cure_failed = true;
	}
	return ret;
}

static int write_images(struct dump_ctx *dc)
{
	int ret;

	if (fault_injected("image-write"))
		return -EIO;
	ret = write_core_images(dc);
	ret = ret ?: write_mm_image(dc);
	return ret ?: write_files_images(dc);
}

static enum compel_release_mode final_mode(const struct cr_options *o, int failed)
{
	if (o->leave_stopped)
		return COMPEL_RELEASE_STOP;
	if (failed || o->leave_running || o->command == CMD_PRE_DUMP)
		return COMPEL_RELEASE_RUN;
	return COMPEL_RELEASE_KILL;
}

static void free_dump_ctx(struct dump_ctx *dc)
{
	if (dc->ctl)
		compel_free(dc->ctl);
	dc->ctl = NULL;
	threads_free(dc);
	free_task_mm(dc);
	task_state_free(dc);
	free_file_tables(dc);
	free_proc_vma_list(&dc->maps);
	memtrack_task_fini(dc);
	pages_later_free(dc);
}

/* A pre-dump's steps: the memory and what it needs to be read (mem/track.c). */
static int collect_mm_state(struct dump_ctx *dc)
{
	int ret;

	ret = parse_proc_stat(dc->pid, &dc->stat);
	ret = ret ?: parse_proc_smaps(dc->pid, &dc->maps);
	ret = ret ?: dump_check_own_mm(dc);
	ret = ret ?: threads_collect(dc);
	return ret ?: collect_task_mm(dc);
}

/* All per-task steps up to the cure; a zombie only has its /proc/PID/stat. */
static int dump_one_task(struct dump_ctx *dc)
{
	int ret, cure_ret;

	if (dc->seize_state == COMPEL_TASK_ZOMBIE)
		return parse_proc_stat(dc->pid, &dc->stat);
	ret = dc->opts->command == CMD_PRE_DUMP ? 0 : ns_dump_task_net(dc);
	ret = ret ?: memtrack_task_find(dc);
	if (ret)
		return ret;
	if (dc->opts->command == CMD_PRE_DUMP)
		ret = collect_mm_state(dc);
	else
		ret = collect_proc_state(dc);
	ret = ret ?: infect_task(dc);
	if (dc->opts->command != CMD_PRE_DUMP) {
		ret = ret ?: task_audit(dc);
		ret = ret ?: dump_task_fown(dc);
	}
	ret = ret ?: dump_task_pages(dc);
	cure_ret = cure_task(dc);
	ret = ret ?: cure_ret ?: memtrack_task_arm(dc);
	if (dc->opts->command == CMD_PRE_DUMP)
		return ret ?: cure_ret;
	return ret ?: cure_ret ?: task_state_collect_signals(dc);
}

static int write_task_images(struct dump_ctx *dc)
{
	if (dc->seize_state == COMPEL_TASK_ZOMBIE)
		return write_zombie_core(dc);
	return write_images(dc);
}

static int dump_all_tasks(struct dump_tree *dt)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < dt->nr_tasks; i++)
		ret = dump_one_task(dt->tasks[i]);
	/* the rest in the root's network namespace (the tasks' were entered one by one) */
	ret = ret ?: netns_dump_reenter();
	ret = ret ?: memtrack_write(dt);
	/* memory only: pagemap, pages and memtrack (and the images a shared mapping opened) */
	if (dt->opts->command == CMD_PRE_DUMP)
		return files_dump_close_images(&dt->fstate) ?: ret;
	/* a socket's peer may be in any task, or queued in flight on any socket */
	ret = ret ?: unix_check_peers(dt);
	ret = ret ?: check_tree_sessions(dt);
	ret = ret ?: tree_audit_fd_room(dt);
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		ret = write_task_images(dt->tasks[i]);
	ret = ret ?: write_file_entries(dt);
	ret = ret ?: tty_write_info(dt);
	ret = ret ?: write_file_locks(dt);
	ret = ret ?: write_sysv_shm(dt);
	ret = ret ?: ns_dump_write(dt);
	ret = ret ?: cg_dump_write(dt);
	ret = ret ?: write_pstree(dt);
	/* images the handlers kept open: a write error there is the dump's failure too */
	return files_dump_close_images(&dt->fstate) ?: ret;
}

/* Nothing may succeed after an error line: a step that logged one and went on fails here. */
static int check_no_error(unsigned long errors_before)
{
	unsigned long n = log_error_count() - errors_before;

	if (!n)
		return 0;
	pr_err("%lu error(s) were logged while dumping: the images can't be trusted\n", n);
	return -EIO;
}

/* Everything up to the commit; the set is complete when this returns 0. */
/*
 * As CRIU: "network-lock" once a tree with its own network namespace is seized, before its
 * connections are locked; scripts run in criu's namespace, not the tree's.
 */
static int tell_network_lock(struct dump_tree *dt)
{
	const struct cr_options *o = dt->opts;
	int ret;

	if (o->command == CMD_PRE_DUMP || !(dt->ns.root_own & NS_BIT(NS_NET)))
		return 0;
	netns_dump_leave();
	ret = run_action_scripts(o, "network-lock", o->tree);
	dt->told_network_lock = !ret;
	return netns_dump_reenter() ?: ret;
}

static int dump_and_commit(struct dump_tree *dt, int images_dfd, unsigned long errors_before)
{
	const struct cr_options *o = dt->opts;
	struct cg_freezer *fz = NULL;
	uint64_t frozen_at, start;
	size_t i;
	int ret;

	start = now_us();
	/* criu's own namespaces are numbered first, as CRIU does before it seizes anything */
	ret = ns_ids_init(&dt->ns);
	ret = ret ?: cg_dump_init(dt);
	/* --freeze-cgroup: nobody forks or exits while the tree is seized */
	ret = ret ?: cg_freeze(o, &fz);
	ret = ret ?: memtrack_tree_open(dt);
	ret = ret ?: dump_tree_seize(dt, o->tree);
	cg_thaw(&fz, dt);
	ret = ret ?: ns_dump_begin(dt);
	ret = ret ?: tell_network_lock(dt);
	if (!ret)
		fault_point("seized");
	ret = ret ?: netlock_test_hook_dump(o->tree);
	frozen_at = now_us();
	dt->stats.freezing_us = frozen_at - start;
	ret = ret ?: plugins_dump_devices(dt);
	ret = ret ?: dump_all_tasks(dt);
	ret = ret ?: plugins_dump_devices_late(dt);
	/* the server answers once the pages are on its disk: only then may the tree die */
	ret = ret ?: (dt->ps ? ps_client_finish(dt->ps) : 0);
	/* criu's own namespaces again: inventory.root_ids are criu's */
	ns_dump_end(dt);
	dt->stats.frozen_us = now_us() - frozen_at;
	ret = ret ?: write_stats_image(dt);
	ret = ret ?: write_inventory(dt);
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		if (dt->tasks[i]->cure_failed)
			ret = -EIO;
	ret = ret ?: check_no_error(errors_before);
	/* --pre-dump-mode read: the pages come once the tree runs again, then the commit */
	if (!ret && dt->nr_tasks && pages_read_mode(dt->tasks[0]))
		return 0;
	ret = ret ?: imgset_commit(images_dfd);
	/* --stream: the set goes to the streamer while the tree can still run on */
	ret = ret ?: stream_dump_send(images_dfd);
	/* the tree is still frozen here: a failing post-dump script lets it run on */
	ret = ret ?: run_action_scripts(o, "post-dump", o->tree);
	if (!ret && fault_injected("before-kill"))
		ret = -EIO;
	return ret;
}

static int release_tree(struct dump_tree *dt, int failed)
{
	const struct cr_options *o = dt->opts;
	enum compel_release_mode mode = final_mode(o, failed);
	int ret;

	if (mode == COMPEL_RELEASE_KILL)
		pr_info("Point of no return: the image set is complete, killing the tree\n");
	/* a failed pre-dump (or --track-mem) leaves no tracker it made */
	if (failed)
		memtrack_tree_undo(dt);
	/* the bytes taken from the ptys go back before any task runs again */
	tty_put_back_queues(dt, mode == COMPEL_RELEASE_KILL);
	/* connections in repair mode: out of it if the tree runs on, closed quietly if not */
	inet_dump_release(dt, mode == COMPEL_RELEASE_KILL);
	ret = dump_tree_release(dt, mode);
	if (failed)
		pr_err("Dumping task %d failed before the point of no return: its tree was left "
		       "%s, and the directory holds no complete image set (no inventory.img)\n",
		       o->tree, o->leave_stopped ? "stopped" : "running as before");
	else if (ret)
		pr_err("Dumping task %d failed after the point of no return: the image set is "
		       "complete (inventory.img), but a task could not be %s\n",
		       o->tree, mode == COMPEL_RELEASE_KILL ? "killed" : "released");
	return failed ?: ret;
}

/*
 * --page-server: connected before anything is seized, so that a server out of reach costs
 * the tree nothing. The pages' sums can't be in checksums.img then (they are in another
 * directory), so the set has none, as a CRIU set has none.
 */
static int connect_page_server(struct dump_tree *dt)
{
	if (!dt->opts->use_page_server)
		return 0;
	dt->ps = ps_client_connect(dt->opts);
	if (!dt->ps)
		return -ECONNREFUSED;
	if (!dt->opts->skip_checksums)
		pr_info("Pages go to the page server: no checksums.img is written\n");
	return 0;
}

int cr_dump_tasks(const struct cr_options *o, int images_dfd, int work_dfd)
{
	struct dump_tree dt = { .opts = o, .dfd = images_dfd, .work_dfd = work_dfd, .mt.dfd = -1 };
	unsigned long errors_before = log_error_count();
	size_t i;
	int failed, lock_ret, ret;

	compel_set_log(compel_log_bridge);
	compel_set_point_hook(fault_point);
	pr_info("Dumping task %d into %s\n", o->tree, o->images_dir);
	ret = run_action_scripts(o, "pre-dump", o->tree);
	if (ret)
		return ret;
	/* a pre-dump leaves the tree running: its network is not locked */
	ret = o->command == CMD_PRE_DUMP ? 0 : netlock_dump_prepare(o->network_lock);
	ret = ret ?: connect_page_server(&dt);
	ret = ret ?: imgset_begin(images_dfd, !o->skip_checksums && !o->use_page_server);
	if (ret) {
		ps_client_free(dt.ps);
		return ret;
	}
	failed = dump_and_commit(&dt, images_dfd, errors_before);
	/* as CRIU: the tree runs on with its own network namespace (its answer does not count) */
	if ((failed || o->leave_running) && dt.told_network_lock)
		run_action_scripts(o, "network-unlock", o->tree);
	/* the devices are let go while the tree is still frozen; a failure undoes the commit */
	failed = plugins_dump_finish(failed) ?: failed;
	ns_dump_end(&dt);
	if (failed)
		imgset_uncommit(images_dfd);
	/* as CRIU: a tree that dies or stays stopped keeps its connections locked */
	/* the lock of a tree with its own network namespace is in there */
	lock_ret = netns_dump_lock_end(!failed && !o->leave_running);
	if (o->command != CMD_PRE_DUMP)
		lock_ret = netlock_dump_end(!failed && !o->leave_running) ?: lock_ret;
	netns_dump_done();
	ret = release_tree(&dt, failed) ?: lock_ret;
	if (!failed && !ret && dt.nr_tasks && pages_read_mode(dt.tasks[0])) {
		ret = pages_read_all(&dt) ?: check_no_error(errors_before) ?: imgset_commit(images_dfd);
		ret = ret ?: stream_dump_send(images_dfd);
		if (ret)
			imgset_uncommit(images_dfd);
	}
	/* the set is complete: the parent's copies of what it replaced may go (--auto-dedup) */
	if (!failed && o->auto_dedup && cr_dedup(images_dfd))
		pr_warn("--auto-dedup failed: the parent images keep pages this dump replaced\n");
	if (!ret)
		pr_info("Dumping finished successfully\n");
	/* link remaps belong to a committed set, even if a release failed after it */
	files_dump_state_fini(&dt.fstate, failed != 0);
	cg_dump_fini(&dt);
	for (i = 0; i < dt.nr_tasks; i++)
		free_dump_ctx(dt.tasks[i]);
	memtrack_tree_close(&dt);
	dump_tree_free(&dt);
	ps_client_free(dt.ps);
	imgset_end();
	return ret;
}
