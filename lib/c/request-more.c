/* SPDX-License-Identifier: GPL-2.0 */
/*
 * request-more.c - the requests that are not dump or restore: version, features, the
 * pre-dump iterations, and what a notification carries.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int criu_notify_pid(criu_notify_arg_t na)
{
	CriuNotify *n = (CriuNotify *)na;

	return n && n->has_pid ? n->pid : 0;
}

int criu_get_orphan_pts_master_fd(void)
{
	return libcriu_orphan_pts_fd;
}

int criu_local_get_version(criu_opts *o)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp;
	int ret;

	req.type = CRIU_REQ_TYPE__VERSION;
	ret = libcriu_request(o, &req, &resp);
	if (ret)
		return ret;
	if (!resp->success || !resp->version) {
		criu_resp__free_unpacked(resp, NULL);
		return -EBADE;
	}
	ret = resp->version->major_number * 10000 + resp->version->minor_number * 100;
	/* a build from a git checkout counts as the next minor release */
	if (resp->version->gitid)
		ret += 100;
	else if (resp->version->has_sublevel)
		ret += resp->version->sublevel;
	criu_resp__free_unpacked(resp, NULL);
	return ret;
}

int criu_local_check_version(criu_opts *o, int minimum)
{
	int v = criu_local_get_version(o);

	return v < 0 ? v : v >= minimum;
}

int criu_local_feature_check(criu_opts *o, struct criu_feature_check *features, size_t size)
{
	struct criu_feature_check ask = { 0 };
	CriuFeatures f = CRIU_FEATURES__INIT;
	CriuReq req = CRIU_REQ__INIT;
	CriuResp *resp;
	int ret;

	if (!features || !size || size > sizeof(ask))
		return -EINVAL;
	memcpy(&ask, features, size);
	f.has_mem_track = f.mem_track = ask.mem_track;
	f.has_lazy_pages = f.lazy_pages = ask.lazy_pages;
	f.has_pidfd_store = f.pidfd_store = ask.pidfd_store;
	req.type = CRIU_REQ_TYPE__FEATURE_CHECK;
	req.features = &f;
	ret = libcriu_request(o, &req, &resp);
	if (ret)
		return ret;
	if (!resp->success || !resp->features) {
		ret = resp->has_cr_errno ? resp->cr_errno : 0;
		criu_resp__free_unpacked(resp, NULL);
		errno = ret;
		return -EBADE;
	}
	ask.mem_track = ask.mem_track && resp->features->mem_track;
	ask.lazy_pages = ask.lazy_pages && resp->features->lazy_pages;
	ask.pidfd_store = ask.pidfd_store && resp->features->pidfd_store;
	memcpy(features, &ask, size);
	criu_resp__free_unpacked(resp, NULL);
	return 0;
}

/* Pre-dumps while more() asks for them, then the dump (criu answers PRE_DUMP itself). */
int criu_local_dump_iters(criu_opts *o, int (*more)(criu_predump_info pi))
{
	int ret;

	if (!more)
		return -EINVAL;
	for (;;) {
		ret = criu_local_pre_dump(o);
		if (ret)
			return ret;
		ret = more(NULL);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return criu_local_dump(o);
	}
}
