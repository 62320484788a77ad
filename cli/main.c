#include <stdio.h>
int main(void)
{
    puts("slmsim: under construction");
    return 0;
}
