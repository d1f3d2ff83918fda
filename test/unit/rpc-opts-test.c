/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpc-opts-test.c - no criu_opts field is ever ignored: each field of rpc.proto's
 * criu_opts, set alone to a value other than its default, either changes what the request
 * runs with (the options, the notify or log choice, the directories) or is refused with an
 * error naming the field. A new field in rpc.proto is covered without an edit here.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../criu/rpc/internal.h"
#include "log.h"
#include "unit-check.h"

static struct rpc_conn conn = { .swrk = true };

/* A value for f that is not its default: true, 1, "x", the enum's last value, one element. */
static void set_field(CriuOpts *ro, const ProtobufCFieldDescriptor *f, void **extra)
{
	char *base = (char *)ro;
	void *val = base + f->offset;
	static char x[] = "x";
	static char *xs[] = { x };

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		*(size_t *)(base + f->quantifier_offset) = 1;
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			*(char ***)val = xs;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const ProtobufCMessageDescriptor *md = f->descriptor;
			void **arr = calloc(1, sizeof(void *));

			arr[0] = calloc(1, md->sizeof_message);
			protobuf_c_message_init(md, arr[0]);
			*(void ***)val = arr;
			extra[0] = arr[0];
			extra[1] = arr;
		}
		return;
	}
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)val = 1;
		break;
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_UINT32:
		*(int32_t *)val = 1;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;

		*(int *)val = ed->values[ed->n_values - 1].value;
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		*(char **)val = x;
		break;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessageDescriptor *md = f->descriptor;

		extra[0] = calloc(1, md->sizeof_message);
		protobuf_c_message_init(md, extra[0]);
		*(void **)val = extra[0];
		break;
	}
	default:
		break;
	}
}

/* A config file with one option in it, made once. */
static char *config_file_path(void)
{
	static char path[] = "/tmp/rpc-opts-test-XXXXXX";
	static bool made;
	int fd;

	if (made)
		return path;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "leave-running\n", 14) != 14) {
		perror("rpc-opts-test: config file");
		exit(1);
	}
	close(fd);
	made = true;
	return path;
}

/* Two runs with the same directories compare equal unless an option or choice changed. */
static bool same_run(struct rpc_req_state *a, struct rpc_req_state *b)
{
	a->opts.images_dir = b->opts.images_dir = NULL;
	a->opts.work_dir = b->opts.work_dir = NULL;
	a->opts.stage_notify_arg = b->opts.stage_notify_arg = NULL;
	if (a->opts.status_fd >= 0 && b->opts.status_fd >= 0)
		a->opts.status_fd = b->opts.status_fd = 0;
	return !memcmp(&a->opts, &b->opts, sizeof(a->opts)) && a->notify == b->notify &&
	       a->log_stderr == b->log_stderr && !strcmp(a->work_path, b->work_path);
}

static int run(CriuOpts *ro, struct rpc_req_state *st)
{
	log_forget_first_error();
	return rpc_opts_from_req(&conn, ro, CMD_DUMP, st);
}

static void base_opts(CriuOpts *ro)
{
	criu_opts__init(ro);
	ro->images_dir_fd = -1;
	ro->images_dir = "/tmp";
	ro->log_file = "rpc-opts-test.log"; /* so that log_to_stderr has a log to replace */
}

int main(void)
{
	const ProtobufCMessageDescriptor *d = &criu_opts__descriptor;
	struct rpc_req_state plain, st;
	int null = open("/dev/null", O_WRONLY);
	CriuOpts ro;
	unsigned int i;
	int applied = 0, refused = 0;

	conn.peer = getpid();
	log_init(AT_FDCWD, "/dev/null", 0);
	base_opts(&ro);
	CHECK(run(&ro, &plain) == 0, "a request with only images_dir runs");
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		void *extra[2] = { NULL, NULL };
		const char *err;
		char name[64];
		int ret;

		if (!strcmp(f->name, "images_dir_fd") || !strcmp(f->name, "images_dir"))
			continue;
		base_opts(&ro);
		set_field(&ro, f, extra);
		if (!strcmp(f->name, "work_dir_fd"))
			ro.work_dir_fd = open("/", O_RDONLY | O_DIRECTORY);
		if (!strcmp(f->name, "status_fd"))
			ro.status_fd = null;
		/* a config file that does not exist is no file: give one that says something */
		if (!strcmp(f->name, "config_file"))
			ro.config_file = config_file_path();
		/* true and DEFAULT are soft, criu's default: false (ignore) and full change it */
		if (!strcmp(f->name, "manage_cgroups"))
			ro.manage_cgroups = 0;
		if (!strcmp(f->name, "manage_cgroups_mode"))
			ro.manage_cgroups_mode = CRIU_CG_MODE__FULL;
		/* ghost_fiemap is on by default, as in CRIU: off changes it */
		if (!strcmp(f->name, "ghost_fiemap"))
			ro.ghost_fiemap = false;
		ret = run(&ro, &st);
		err = log_first_error();
		/* runc's cgroup fields are applied, never refused */
		if (!strcmp(f->name, "manage_cgroups") || !strcmp(f->name, "manage_cgroups_mode") ||
		    !strcmp(f->name, "cgroup_dump_controller") ||
		    !strcmp(f->name, "freeze_cgroup") || !strcmp(f->name, "cgroup_props") ||
		    !strcmp(f->name, "cgroup_yard"))
			CHECK(ret == 0, "%s refused: %s", f->name, err ? err : "");
		snprintf(name, sizeof(name), "criu_opts.%s", f->name);
		if (ret == 0) {
			applied++;
			CHECK(!same_run(&st, &plain), "%s accepted but changed nothing", f->name);
			rpc_req_state_fini(&st);
		} else {
			refused++;
			CHECK(err && strstr(err, name), "%s refused without naming it: %s", f->name,
			      err ? err : "(no error)");
		}
		if (!strcmp(f->name, "work_dir_fd"))
			close(ro.work_dir_fd);
		free(extra[0]);
		free(extra[1]);
	}
	printf("criu_opts: %d fields applied, %d refused naming the field\n", applied, refused);
	CHECK(applied >= 15 && refused >= 15, "both kinds seen");
	unlink(config_file_path());
	UNIT_REPORT();
}
