package dev.cell.runtime.genome;

/**
 * Test support: a {@link FrameCheck} with one bounds check missing, for proving that the fuzzer catches one. It
 * lives in test code only; production code has no switch for it.
 */
public final class PlantedBug
{
    private PlantedBug()
    {
    }

    /**
     * @param genome  a cell's genome.
     * @param handler one of its handlers whose request ends with var data.
     * @return a check that, for that handler's request, no longer checks the last var-data field's length (its
     * instruction is overwritten with the end of the message's program); everything else is checked as before.
     */
    public static FrameCheck withoutLastVarCheck(final Genome genome, final String handler)
    {
        final FrameProgram program = FrameProgram.of(genome);
        final int index = program.indexOf(genome.handler(handler).requestTemplateId());
        final int[] code = program.copyOfCode();
        int pc = program.entry[index];
        pc += 2 + 2 * code[pc + 1];
        int lastVar = -1;
        while (code[pc] != FrameProgram.OP_END)
        {
            switch (code[pc])
            {
                case FrameProgram.OP_ENUM -> pc += 7;
                case FrameProgram.OP_GROUP -> pc += 11 + code[pc + 10];
                case FrameProgram.OP_VAR ->
                {
                    lastVar = pc;
                    pc += 6;
                }
                default -> throw new IllegalStateException("unexpected instruction " + code[pc] + " at " + pc);
            }
        }
        if (lastVar < 0)
        {
            throw new IllegalArgumentException("the request of handler '" + handler + "' has no var data");
        }
        code[lastVar] = FrameProgram.OP_END;
        return new FrameCheck(program.withCode(code));
    }
}
