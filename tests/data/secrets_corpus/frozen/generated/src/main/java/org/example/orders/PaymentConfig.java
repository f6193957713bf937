package org.example.orders;

import org.springframework.beans.factory.annotation.Value;

public class PaymentConfig {
    private static final String API_KEY = "8ti9Yj9BYQCKbmQXoA3iJIKir9Y0L5X3";
    private static final String API_KEY_HEADER = "X-Api-Key";
    @Value("${payments.password}")
    private String password;

    public String apiKey() {
        return API_KEY;
    }
}
