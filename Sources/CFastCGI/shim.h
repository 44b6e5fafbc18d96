// Only fcgiapp.h: fcgi_stdio.h redefines FILE/stdin/printf and poisons a Clang module.
#include <fcgiapp.h>
