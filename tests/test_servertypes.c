/* test_servertypes.c - the built-in server catalogue, the catalogue CSV
 * parser and its error messages, and flavor lookup. */
#include <stdlib.h>

#include "err.h"
#include "flavor.h"
#include "servertype.h"
#include "testing.h"

#define HEADER                                                                                     \
    "name,cores,core_mips,ram_mb,model,r,u0,u10,u20,u30,u40,u50,u60,u70,u80,u90,u100,off_w,boot_"  \
    "s,"                                                                                           \
    "boot_w,shutdown_s,shutdown_w,source\n"
#define ROW_G4                                                                                     \
    "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,117,30,86,"      \
    "spec\n"
#define ROW_LIN                                                                                    \
    "Lin,16,2600,65536,linear,,150,165,180,195,210,225,240,255,270,285,300,5,120,300,30,150,x\n"

/* Parse `text` expecting failure; the error message must contain `needle`. */
static void expectError(const char *text, const char *needle) {
    ServerType *t = (ServerType *)1;
    errClear();
    CHECK(serverTypesParse(text, "t.csv", &t) == -1);
    CHECK(t == NULL);
    CHECK_STR_CONTAINS(errLast(), needle);
}

static void testBuiltinCatalogue(void) {
    const ServerType *types;
    int n = serverTypesBuiltin(&types);
    if (n < 0) fprintf(stderr, "%s\n", errLast());
    CHECK(n == 10);
    const ServerType *again;
    CHECK(serverTypesBuiltin(&again) == n && again == types); /* parsed once */
    for (int i = 0; i < n; i++) {
        CHECK(powerValidate(&types[i].power) == 0);
        CHECK(types[i].offW == 5 && types[i].bootS == 120 && types[i].shutdownS == 30);
        CHECK(types[i].bootW == types[i].power.maxW);
        CHECK(types[i].shutdownW == types[i].power.idleW);
        CHECK(types[i].source[0] != '\0');
    }
}

static void testBuiltinSpecPower(void) {
    const ServerType *g4 = serverTypeFind("HpProLiantMl110G4Xeon3040");
    const ServerType *g5 = serverTypeFind("HpProLiantMl110G5Xeon3075");
    CHECK(g4 && g5);
    if (!g4 || !g5) return;
    CHECK_NEAR(serverTypeCapacity(g4), 3720, 1e-9); /* 2 x 1860 */
    CHECK_NEAR(serverTypeCapacity(g5), 5320, 1e-9); /* 2 x 2660 */
    CHECK(g5->power.kind == POWER_PIECEWISE);
    CHECK(g5->power.points[5] == 116);
    CHECK(powerAt(&g5->power, 0.5) == 116);
    CHECK(g4->ramMb == 4096);
    CHECK(g4->power.idleW == 86 && g4->power.maxW == 117);
    CHECK_STR_CONTAINS(g4->source, "power_ssj2008-20110127-00342");
    const ServerType *x5675 = serverTypeFind("IbmX3550XeonX5675");
    CHECK(x5675 && x5675->cores == 12 && x5675->ramMb == 16384 && x5675->power.points[1] == 98);
}

static void testBuiltinPaperTypes(void) {
    const ServerType *m4 = serverTypeFind("PaperX3550M4");
    const ServerType *lin = serverTypeFind("PaperLinear");
    const ServerType *fan = serverTypeFind("FanConcave");
    CHECK(m4 && lin && fan);
    if (!m4 || !lin || !fan) return;
    CHECK_NEAR(serverTypeCapacity(m4), 41600, 1e-9); /* 16 x 2600 */
    CHECK(m4->power.points[5] == 275);
    CHECK_STR_CONTAINS(m4->source, "not measured data"); /* the quoted field, commas and all */
    CHECK(lin->power.kind == POWER_LINEAR);
    CHECK_NEAR(powerAt(&lin->power, 0.5), 225, 1e-12);
    CHECK(fan->power.kind == POWER_CONCAVE && fan->power.r == 1.4);
    CHECK(strcmp(fan->source, "Fan, Weber, Barroso, ISCA 2007 model") == 0);
}

static void testFindUnknown(void) {
    CHECK(serverTypeFind("HpProLiant") == NULL); /* exact names only */
    CHECK_STR_CONTAINS(errLast(), "'HpProLiant'");
    CHECK_STR_CONTAINS(errLast(), "HpProLiantMl110G4Xeon3040");
    CHECK_STR_CONTAINS(errLast(), "FanConcave");
}

static void testParseGood(void) {
    const char *text =
        "# a comment\n\n" HEADER "  # indented comment\n" ROW_G4 "\r\n" ROW_LIN
        "Fan,16,2600,65536,concave,1.4,150,174.03,194.24,212.2,228.41,243.16,256.63,"
        "268.96,280.25,290.57,300,5,120,300,30,150,\"Fan, \"\"Weber\"\", Barroso\"\r\n";
    ServerType *t = NULL;
    int n = serverTypesParse(text, "t.csv", &t);
    if (n < 0) fprintf(stderr, "%s\n", errLast());
    CHECK(n == 3);
    if (n == 3) {
        CHECK(strcmp(t[0].name, "G4") == 0 && t[0].cores == 2 && t[0].coreMips == 1860);
        CHECK(strcmp(t[0].source, "spec") == 0);
        CHECK(t[1].power.kind == POWER_LINEAR && t[1].power.idleW == 150 && t[1].power.maxW == 300);
        CHECK(t[2].power.kind == POWER_CONCAVE && t[2].power.r == 1.4);
        CHECK(strcmp(t[2].source, "Fan, \"Weber\", Barroso") == 0);
    }
    free(t);
    CHECK(serverTypesParse(HEADER, "t.csv", &t) == 0); /* empty catalogue is valid */
    free(t);
}

static void testParseStructure(void) {
    expectError("", "t.csv: no header line");
    expectError("name,cores\n" ROW_G4, "t.csv:1: the header has 2 columns, expected 23");
    expectError("name,cores,core_mips,ram_mb,model,r,u0,u10,u20,u30,u40,u50,u60,u70,u80,u90,u100,"
                "off_w,boot_s,boot_w,shutdown_s,shutdown_watts,source\n",
                "header column 22 is 'shutdown_watts' where 'shutdown_w' is expected");
    expectError(HEADER "G4,2,1860\n", "t.csv:2: found 3 columns, expected 23");
    expectError(HEADER "# c\n" ROW_G4
                       "G5,2,2660,4096,piecewise,,1,2,3,4,5,6,7,8,9,10,11,0,0,0,0,0,s,extra\n",
                "t.csv:4: found 24 columns, expected 23");
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,"
                "117,30,86,\"unterminated\n",
                "t.csv:2: column 23: the quoted field has no closing quote");
    expectError(HEADER ROW_G4 ROW_G4, "t.csv:3: column name: 'G4' is already defined on line 2");
}

static void testParseNumbers(void) {
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,12x,102,106,108,112,114,117,5,120,"
                "117,30,86,s\n",
                "t.csv:2: column u40: '12x' is not a number");
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,,102,106,108,112,114,117,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column u40 is empty");
    expectError(HEADER
                "G4,0,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,"
                "117,30,86,s\n",
                "t.csv:2: column cores: 0 is out of range");
    expectError(HEADER "G4,2.5,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,"
                       "120,117,30,86,s\n",
                "t.csv:2: column cores: '2.5' is not a whole number");
    expectError(HEADER
                "G4,2,0,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column core_mips: 0 must be greater than zero");
    expectError(HEADER
                "G4,2,1860,-1,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column ram_mb: -1 must be greater than zero");
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,-120,"
                "117,30,86,s\n",
                "t.csv:2: column boot_s: -120 is negative");
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,-5,120,"
                "117,30,86,s\n",
                "t.csv:2: column off_w: -5 is negative");
}

static void testParseModels(void) {
    expectError(HEADER
                "G4,2,1860,4096,cubic,,86,89.4,92.6,96,99.5,102,106,108,112,114,117,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column model: unknown power model 'cubic'");
    expectError(HEADER
                "G4,2,1860,4096,piecewise,,86,89.4,92.6,90,99.5,102,106,108,112,114,117,5,120,"
                "117,30,86,s\n",
                "t.csv:2: piecewise power model: u30 = 90 W is below u20 = 92.6 W");
    expectError(
        HEADER "L,2,1860,4096,linear,,300,165,180,195,210,225,240,255,270,285,150,5,120,117,30,"
               "86,s\n",
        "t.csv:2: linear power model: idle power 300 W (u0) is above the maximum 150 W (u100)");
    expectError(HEADER "L,2,1860,4096,linear,1.4,150,165,180,195,210,225,240,255,270,285,300,5,120,"
                       "117,30,86,s\n",
                "t.csv:2: column r: '1.4' is given, but r applies only to the concave model");
    expectError(HEADER
                "C,2,1860,4096,concave,,150,165,180,195,210,225,240,255,270,285,300,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column r is empty");
    expectError(HEADER
                "C,2,1860,4096,concave,3,150,165,180,195,210,225,240,255,270,285,300,5,120,117,"
                "30,86,s\n",
                "t.csv:2: concave power model: exponent r = 3 is outside (1, 2]");
    /* u10..u90 of a linear row restate the line: 165 at 10 %, not 170. */
    expectError(HEADER
                "L,2,1860,4096,linear,,150,170,180,195,210,225,240,255,270,285,300,5,120,117,"
                "30,86,s\n",
                "t.csv:2: column u10: 170 W disagrees with the linear model's 165.00 W at 10 %");
}

static void testFlavors(void) {
    const Flavor *f = flavorFind("tiny");
    CHECK(f && strcmp(f->name, "m1.tiny") == 0 && f->vcpus == 1 && f->ramMb == 512 &&
          f->diskGb == 0);
    f = flavorFind("m1.xlarge");
    CHECK(f && f->vcpus == 8 && f->ramMb == 16384 && f->diskGb == 80);
    f = flavorFind("M1.Medium");
    CHECK(f && f->vcpus == 2 && f->ramMb == 4096 && f->diskGb == 40);
    f = flavorFind("SMALL");
    CHECK(f && f->vcpus == 1 && f->ramMb == 2048 && f->diskGb == 20);
    f = flavorFind("large");
    CHECK(f && f->vcpus == 4 && f->ramMb == 8192 && f->diskGb == 60);
    int count = 0;
    while (flavorTable[count].vcpus)
        count++;
    CHECK(count == 5);
    CHECK(flavorFind("m1.huge") == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown flavor 'm1.huge'");
    CHECK_STR_CONTAINS(errLast(), "m1.tiny, m1.small, m1.medium, m1.large, m1.xlarge");
    CHECK(flavorFind("m1.") == NULL);
    CHECK(flavorFind(NULL) == NULL);
}

int main(void) {
    RUN(testBuiltinCatalogue);
    RUN(testBuiltinSpecPower);
    RUN(testBuiltinPaperTypes);
    RUN(testFindUnknown);
    RUN(testParseGood);
    RUN(testParseStructure);
    RUN(testParseNumbers);
    RUN(testParseModels);
    RUN(testFlavors);
    return testSummary("test_servertypes");
}
