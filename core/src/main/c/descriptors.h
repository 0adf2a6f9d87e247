/* descriptors: closing every descriptor from one number up; see descriptors.c. */
#ifndef HYGIENE_DESCRIPTORS_H
#define HYGIENE_DESCRIPTORS_H

/* Closes every descriptor numbered FIRST or higher; -1 (errno set) if one could not be closed. */
int close_from(int first);

#endif
