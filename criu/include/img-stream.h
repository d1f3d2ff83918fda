/* SPDX-License-Identifier: GPL-2.0 */
/*
 * img-stream.h - --stream: the images go to (dump) or come from (restore) an image
 * streamer such as criu-image-streamer, over the unix socket it listens on in the images
 * directory (streamer-capture.sock to dump, streamer-serve.sock to restore), in CRIU's
 * protocol. The run itself works on a private staging directory on tmpfs; stream/ moves
 * its files to or from the streamer.
 * May call: log.h, opts.h, sumset.h.
 */
#ifndef CRIU_IMG_STREAM_H
#define CRIU_IMG_STREAM_H

#include "opts.h"

/*
 * Connects to the streamer and makes the staging directory, whose fd the run uses as its
 * images directory (*staged_dfd), with the options in *run (o without what streaming
 * ignores: --prev-images-dir, as CRIU). Restore: every image of the set is fetched into the
 * directory first. 0 or -errno (logged).
 */
int stream_begin(const struct cr_options *o, int images_dfd, int *staged_dfd,
		 struct cr_options *run);
/* Dump, pre-dump: every image of the staging directory sent to the streamer (no-op without
 * --stream). */
int stream_dump_send(int staged_dfd);
/* The connection closed, the staging directory removed. */
void stream_end(int staged_dfd);

#endif /* CRIU_IMG_STREAM_H */
