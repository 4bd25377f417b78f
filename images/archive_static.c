/* Only for the static link of build/bin/container.
 *
 * Every tar writer of libarchive (ustar, pax, gnutar) calls one helper,
 * __archive_write_entry_filetype_unsupported(), that lives in
 * archive_write_set_format.o next to archive_write_set_format(), which names
 * every writer of every format: linked statically, that one object pulls in
 * the xar writer, hence libxml2, hence ICU (~34 MB more binary). Defining the
 * helper here keeps that object out: the container binary goes from ~40 MB
 * to ~6 MB. It only runs for a file type the tar format cannot hold; `image
 * save` writes regular files and directories only. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>

int __archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
                                               const char *format);

int __archive_write_entry_filetype_unsupported(struct archive *a, struct archive_entry *entry,
                                               const char *format)
{
	archive_set_error(a, EINVAL, "%s: this file type cannot be written in %s",
	                  archive_entry_pathname(entry), format);
	return ARCHIVE_FAILED;
}
