package dev.warden.agent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;

/**
 * A text field of a patch that {@code null} clears (an agent's description, a policy's). As a record component: null when the field was left out,
 * {@link #CLEAR} when it was given as null, else the text given. Jackson calls a deserializer's {@code getAbsentValue}
 * for a field left out and {@code getNullValue} for one given as null; {@code Optional} answers both with empty, so it
 * cannot tell them apart in a record.
 */
@JsonDeserialize(using = Clearable.Reader.class)
public record Clearable(String value) {

    public static final Clearable CLEAR = new Clearable(null);

    static final class Reader extends StdDeserializer<Clearable> {

        Reader() {
            super(Clearable.class);
        }

        @Override
        public Clearable deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return new Clearable(ctxt.readValue(p, String.class)); // the strict String rules: no NUL, no number
        }

        @Override
        public Clearable getNullValue(DeserializationContext ctxt) {
            return CLEAR;
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }
    }
}
