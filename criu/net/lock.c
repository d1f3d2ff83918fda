// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholder for the network lock until --network-lock lands: connections are not blocked,
 * and nothing refers to them yet since inet sockets are refused at dump.
 */
#include "net-lock.h"

int netlock_dump_begin(int root_pid)
{
	(void)root_pid;
	return 0;
}

int netlock_lock_conn(const struct netlock_conn *conn)
{
	(void)conn;
	return 0;
}

int netlock_dump_end(bool keep)
{
	(void)keep;
	return 0;
}

int netlock_restore_unlock(int root_pid)
{
	(void)root_pid;
	return 0;
}
